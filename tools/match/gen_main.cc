// parley-gen: writes a synthetic event as the attendee import CSV.
//
//   parley-gen --attendees N [--slots R] [--seed S] [--shape default|real] [--out FILE.csv]
//
// --shape real: what real exports have (synth.h, SynthShape::kReal). Note that its tags with a
// colon ("databases: methods") are only imported once the CSV reads a colon as a weight only
// before a trailing 1, 2 or 3.
// Without --out the CSV goes to stdout. Same arguments, same bytes.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "tools/match/args.h"
#include "tools/match/synth.h"

int main(int argc, char** argv) {
  parley::tools::Args args;
  std::string error;
  int64_t attendees = 0, slots = 6, seed = 1;
  if (!args.Parse(argc, argv, {}, {"attendees", "slots", "seed", "out", "shape"}, &error) ||
      !args.Int64("attendees", 1000, &attendees, &error) ||
      !args.Int64("slots", 6, &slots, &error) || !args.Int64("seed", 1, &seed, &error)) {
    std::cerr << "parley-gen: " << error
              << "\nusage: parley-gen --attendees N [--slots R] [--seed S] [--shape default|real] "
                 "[--out FILE.csv]\n";
    return 2;
  }
  if (attendees < 0 || attendees > (1 << 29) || slots < 1 || slots > 64) {
    std::cerr << "parley-gen: --attendees must be 0..2^29 and --slots 1..64\n";
    return 2;
  }
  const std::string shape = args.String("shape", "default");
  if (shape != "default" && shape != "real") {
    std::cerr << "parley-gen: --shape must be default or real\n";
    return 2;
  }
  parley::synth::SynthOptions options;
  options.shape =
      shape == "real" ? parley::synth::SynthShape::kReal : parley::synth::SynthShape::kDefault;
  options.attendees = static_cast<int>(attendees);
  options.slots = static_cast<int>(slots);
  options.seed = static_cast<uint64_t>(seed);
  const parley::synth::SynthEvent event = parley::synth::GenerateEvent(options);
  const std::string path = args.String("out", "");
  if (path.empty()) {
    parley::synth::WriteCsv(event, std::cout);
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  parley::synth::WriteCsv(event, out);
  out.close();
  if (!out) {
    std::cerr << "parley-gen: cannot write " << path << "\n";
    return 1;
  }
  return 0;
}
