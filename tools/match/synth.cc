#include "tools/match/synth.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace parley::synth {
namespace {

using match::Index;
using match::Interest;
using match::Profile;

constexpr const char* kNouns[] = {
    "rust",        "bicycles",   "kubernetes",  "databases",     "compilers",   "typography",
    "jazz",        "climbing",   "robotics",    "security",      "privacy",     "gardening",
    "chess",       "sailing",    "genomics",    "fintech",       "games",       "music",
    "photography", "linux",      "networking",  "graphics",      "open source", "education",
    "healthcare",  "climate",    "energy",      "mobility",      "payments",    "search",
    "analytics",   "devops",     "testing",     "accessibility", "design",      "ux",
    "product",     "marketing",  "sales",       "hiring",        "leadership",  "ethics",
    "law",         "policy",     "hardware",    "embedded",      "iot",         "quantum",
    "math",        "statistics", "biology",     "chemistry",     "physics",     "astronomy",
    "history",     "poetry",     "film",        "cooking",       "coffee",      "running",
    "yoga",        "hiking",     "travel",      "languages",     "writing",     "podcasts",
    "drones",      "space",      "agtech",      "edtech",        "python",      "go",
    "java",        "haskell",    "ocaml",       "erlang",        "elixir",      "scala",
    "kotlin",      "swift",      "webassembly", "frontend",      "backend",     "mobile",
    "data",        "ml",         "nlp",         "vision",        "speech",      "recsys",
    "graphs",      "crypto",     "blockchain",  "startups",      "community",   "diversity",
    "remote work", "mentoring",  "art",         "architecture"};
constexpr const char* kQualifiers[] = {
    "applied",  "distributed", "embedded", "functional", "generative", "green",     "indie",
    "low-code", "mobile",      "open",     "realtime",   "rural",      "scalable",  "small-team",
    "social",   "urban",       "vintage",  "visual",     "wearable",   "zero-trust"};
constexpr const char* kVeryCommon[] = {"software", "ai", "cloud", "web"};
constexpr double kVeryCommonShare[] = {0.78, 0.55, 0.40, 0.30};

constexpr const char* kFirstNames[] = {
    "Ada",     "Alan",   "Grace",     "Linus",  "Margaret", "Ken",   "Barbara", "Dennis",
    "Frances", "Edsger", "Radia",     "Tim",    "Hedy",     "Guido", "Sophie",  "Yukihiro",
    "Anita",   "Bjarne", "Katherine", "Donald", "Leslie",   "Shafi"};
constexpr const char* kLastNames[] = {
    "Lovelace", "Turing",     "Hopper",  "Torvalds",  "Hamilton", "Thompson",
    "Liskov",   "Ritchie",    "Allen",   "Dijkstra",  "Perlman",  "Berners-Lee",
    "Lamarr",   "van Rossum", "Wilson",  "Matsumoto", "Borg",     "Stroustrup",
    "Johnson",  "Knuth",      "Lamport", "Goldwasser"};
constexpr const char* kOrgWords[] = {
    "Acme",   "Globex",    "Initech",  "Umbrella", "Hooli", "Vandelay", "Stark",   "Wayne",
    "Tyrell", "Cyberdyne", "Aperture", "Soylent",  "Wonka", "Oscorp",   "Massive", "Pied Piper"};
constexpr const char* kOrgKinds[] = {"Labs",   "Systems",  "University", "Capital",
                                     "Health", "Software", "Robotics",   "Foundation"};
constexpr const char* kOtherLanguages[] = {"de", "fr", "es", "pt", "it", "nl", "ja", "zh"};

enum class Role {
  kStudent,
  kEngineer,
  kSenior,
  kFounder,
  kInvestor,
  kRecruiter,
  kResearcher,
  kDesigner
};
struct RoleInfo {
  Role role;
  const char* name;
  double share;
};
constexpr RoleInfo kRoles[] = {
    {Role::kStudent, "student", 0.22},        {Role::kEngineer, "engineer", 0.30},
    {Role::kSenior, "senior engineer", 0.12}, {Role::kFounder, "founder", 0.10},
    {Role::kInvestor, "investor", 0.03},      {Role::kRecruiter, "recruiter", 0.05},
    {Role::kResearcher, "researcher", 0.12},  {Role::kDesigner, "designer", 0.06}};

template <typename T, size_t N>
constexpr size_t Size(const T (&)[N]) {
  return N;
}

// Portable draws (the standard distributions differ between library implementations).
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }
  // Uniform in [lo, hi].
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Uniform() * static_cast<double>(hi - lo + 1));
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[static_cast<size_t>(Range(0, static_cast<int>(N) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

// Zipf-Mandelbrot over ranks 0 .. n-1: P(r) proportional to 1 / (r + 1 + q)^s.
class Zipf {
 public:
  Zipf(size_t n, double s, double q) : cdf_(n) {
    double sum = 0;
    for (size_t r = 0; r < n; ++r) {
      sum += 1.0 / std::pow(static_cast<double>(r) + 1.0 + q, s);
      cdf_[r] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  size_t Draw(Rng* rng) const {
    const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), rng->Uniform());
    return std::min(static_cast<size_t>(it - cdf_.begin()), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

std::string TagName(size_t rank) {
  const size_t nouns = Size(kNouns);
  if (rank < nouns) return kNouns[rank];
  const size_t combo = rank - nouns;
  const size_t pairs = nouns * Size(kQualifiers);
  if (combo < pairs) {
    return absl::StrCat(kQualifiers[combo / nouns], " ", kNouns[combo % nouns]);
  }
  return absl::StrCat(kNouns[combo % nouns], "-", combo / nouns);
}

std::string OrganisationName(size_t rank) {
  const size_t words = Size(kOrgWords);
  const size_t kinds = Size(kOrgKinds);
  std::string name = absl::StrCat(kOrgWords[rank % words], " ", kOrgKinds[(rank / words) % kinds]);
  if (rank >= words * kinds) absl::StrAppend(&name, " ", rank / (words * kinds) + 1);
  return name;
}

Role DrawRole(Rng* rng) {
  double u = rng->Uniform();
  for (const RoleInfo& info : kRoles) {
    if (u < info.share) return info.role;
    u -= info.share;
  }
  return Role::kEngineer;
}

const char* RoleName(Role role) {
  for (const RoleInfo& info : kRoles) {
    if (info.role == role) return info.name;
  }
  return "engineer";
}

// A topic the attendee cares about, for per-topic offers and seeks ("rust mentoring").
std::string Topic(const Profile& p, Rng* rng) {
  if (p.interests.empty()) return "software";
  return p.interests[static_cast<size_t>(rng->Range(0, static_cast<int>(p.interests.size()) - 1))]
      .tag;
}

void AddTrades(Role role, Profile* p, Rng* rng) {
  auto offer = [p](std::string t) { p->offers.push_back(std::move(t)); };
  auto seek = [p](std::string t) { p->seeks.push_back(std::move(t)); };
  switch (role) {
    case Role::kStudent:
      seek("mentoring");
      seek(absl::StrCat(Topic(*p, rng), " mentoring"));
      if (rng->Chance(0.5)) seek("internship");
      offer("talent");
      break;
    case Role::kEngineer:
      if (rng->Chance(0.3)) seek("jobs");
      if (rng->Chance(0.3)) offer("code review");
      if (rng->Chance(0.3)) offer("industry partners");
      if (rng->Chance(0.2)) seek(absl::StrCat(Topic(*p, rng), " mentoring"));
      offer("talent");
      break;
    case Role::kSenior:
      offer("mentoring");
      offer(absl::StrCat(Topic(*p, rng), " mentoring"));
      if (rng->Chance(0.5)) offer(absl::StrCat(Topic(*p, rng), " mentoring"));
      if (rng->Chance(0.4)) offer("code review");
      if (rng->Chance(0.3)) seek("talent");
      break;
    case Role::kFounder:
      seek("investment");
      if (rng->Chance(0.4)) seek("cofounder");
      if (rng->Chance(0.5)) seek("early customers");
      seek("talent");
      offer("dealflow");
      if (rng->Chance(0.5)) offer("jobs");
      if (rng->Chance(0.3)) offer("projects");
      break;
    case Role::kInvestor:
      offer("investment");
      seek("dealflow");
      if (rng->Chance(0.3)) offer(absl::StrCat(Topic(*p, rng), " expertise"));
      break;
    case Role::kRecruiter:
      offer("jobs");
      offer("internship");
      seek("talent");
      break;
    case Role::kResearcher:
      offer(absl::StrCat(Topic(*p, rng), " research"));
      seek("industry partners");
      if (rng->Chance(0.4)) seek("datasets");
      if (rng->Chance(0.3)) offer("mentoring");
      break;
    case Role::kDesigner:
      offer("design feedback");
      seek("projects");
      if (rng->Chance(0.3)) offer("early customers");
      break;
  }
}

std::string JoinList(const std::vector<std::string>& items) { return absl::StrJoin(items, ";"); }

// A spelling variant of `tag` as people write it: singular/plural, hyphen for space.
std::string Variant(const std::string& tag) {
  if (tag.find(' ') != std::string::npos) return absl::StrReplaceAll(tag, {{" ", "-"}});
  if (tag.size() > 3 && tag.back() == 's') return tag.substr(0, tag.size() - 1);
  return tag + "s";
}

// The real shape's changes to attendee i's fresh profile (see SynthShape::kReal).
void RealShape(size_t i, std::vector<SynthAttendee>* attendees, const Zipf& tags, Rng* rng) {
  SynthAttendee& a = (*attendees)[i];
  Profile& p = a.profile;
  if (rng->Chance(0.16)) p.organisation.clear();
  const double u = rng->Uniform();
  if (u < 1.0 / 6) {
    p.interests.clear();  // role's generic trades only
    for (std::vector<std::string>* list : {&p.offers, &p.seeks}) {
      list->erase(std::remove_if(list->begin(), list->end(),
                                 [](const std::string& t) { return t.find(' ') != t.npos; }),
                  list->end());
    }
  } else if (u < 2.0 / 6) {
    p.interests.clear();  // nothing at all
    p.offers.clear();
    p.seeks.clear();
    a.role.clear();
  } else if (u < 2.0 / 6 + 0.15 && i > 0) {
    const Profile& twin =
        (*attendees)[static_cast<size_t>(rng->Range(0, static_cast<int>(i) - 1))].profile;
    p.interests = twin.interests;
    p.offers = twin.offers;
    p.seeks = twin.seeks;
  } else if (u < 2.0 / 6 + 0.155) {
    for (int extra = rng->Range(30, 60); extra > 0; --extra) {
      std::string tag = TagName(tags.Draw(rng));
      const bool seen = std::any_of(p.interests.begin(), p.interests.end(),
                                    [&tag](const Interest& x) { return x.tag == tag; });
      if (!seen) p.interests.push_back({std::move(tag), rng->Range(1, 2)});
    }
  }
  for (Interest& t : p.interests) {
    const double v = rng->Uniform();
    if (v < 0.10) {
      t.tag = Variant(t.tag);
    } else if (v < 0.12) {
      t.tag += ": methods";
    }
  }
  std::sort(p.interests.begin(), p.interests.end(),
            [](const Interest& x, const Interest& y) { return x.tag < y.tag; });
  p.interests.erase(
      std::unique(p.interests.begin(), p.interests.end(),
                  [](const Interest& x, const Interest& y) { return x.tag == y.tag; }),
      p.interests.end());
}

}  // namespace

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char ch : field) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

match::MatchInput SynthEvent::ToMatchInput() const {
  match::MatchInput input;
  input.profiles.reserve(attendees.size());
  for (const SynthAttendee& a : attendees) input.profiles.push_back(a.profile);
  return input;
}

SynthEvent GenerateEvent(const SynthOptions& options) {
  Rng rng(options.seed);
  SynthEvent event;
  event.slots = std::clamp(options.slots, 1, match::kMaxSlots);
  const size_t n = static_cast<size_t>(std::max(options.attendees, 0));
  const size_t vocabulary = std::clamp<size_t>(n / 10, 500, 20000);
  const Zipf tags(vocabulary, 1.0, 10.0);
  const size_t num_orgs = std::max<size_t>(n / 8, 1);
  const Zipf orgs(num_orgs, 1.1, 2.0);
  const match::SlotMask all_slots =
      event.slots == 64 ? ~match::SlotMask{0} : (match::SlotMask{1} << event.slots) - 1;

  event.attendees.resize(n);
  for (size_t i = 0; i < n; ++i) {
    SynthAttendee& a = event.attendees[i];
    Profile& p = a.profile;
    a.external_id = absl::StrFormat("A%07d", i + 1);
    a.person_ref = absl::StrFormat("P%07d", i + 1);
    const std::string first = rng.Pick(kFirstNames);
    const std::string last = rng.Pick(kLastNames);
    a.name = absl::StrCat(first, " ", last);
    if (rng.Chance(0.95)) p.organisation = OrganisationName(orgs.Draw(&rng));
    const Role role = DrawRole(&rng);
    a.role = RoleName(role);

    for (size_t c = 0; c < Size(kVeryCommon); ++c) {
      if (rng.Chance(kVeryCommonShare[c])) p.interests.push_back({kVeryCommon[c], 1});
    }
    const int count = rng.Range(3, 10);
    for (int j = 0; j < count; ++j) {
      const double u = rng.Uniform();
      const int weight = u < 0.6 ? 1 : (u < 0.9 ? 2 : 3);
      std::string tag = TagName(tags.Draw(&rng));
      const bool seen = std::any_of(p.interests.begin(), p.interests.end(),
                                    [&tag](const Interest& x) { return x.tag == tag; });
      if (!seen) p.interests.push_back({std::move(tag), weight});
    }
    AddTrades(role, &p, &rng);

    const double lang = rng.Uniform();
    if (lang < 0.60) {
      p.languages = {"en"};
    } else if (lang < 0.75) {
      p.languages = {"en", rng.Pick(kOtherLanguages)};
    } else if (lang < 0.78) {
      p.languages = {rng.Pick(kOtherLanguages)};
    }  // else: none given

    const double budget = rng.Uniform();
    p.budget = budget < 0.01 ? 0 : budget < 0.05 ? 1 : budget < 0.12 ? 2 : rng.Range(3, 6);
    p.availability = all_slots;
    if (rng.Chance(0.25)) {
      match::SlotMask mask = 0;
      for (int s = 0; s < event.slots; ++s) {
        if (rng.Chance(0.6)) mask |= match::SlotMask{1} << s;
      }
      if (mask == 0) mask = match::SlotMask{1} << rng.Range(0, event.slots - 1);
      p.availability = mask;
    }
    if (n > 1 && rng.Chance(0.10)) {
      for (int w = rng.Range(1, 3); w > 0; --w) {
        const Index other = static_cast<Index>(rng.Range(0, static_cast<int>(n) - 1));
        if (other != i) p.wants.push_back(other);
      }
    }
    if (n > 1 && rng.Chance(0.03)) {
      const Index other = static_cast<Index>(rng.Range(0, static_cast<int>(n) - 1));
      if (other != i) p.avoid.push_back(other);
    }
    if (options.shape == SynthShape::kReal) RealShape(i, &event.attendees, tags, &rng);

    const std::string domain =
        p.organisation.empty()
            ? std::string("example.org")
            : absl::StrCat(absl::StrReplaceAll(p.organisation, {{" ", ""}}), ".example");
    a.email = absl::AsciiStrToLower(absl::StrCat(first, ".", last, ".", i + 1, "@", domain));
    a.email.erase(std::remove(a.email.begin(), a.email.end(), ' '), a.email.end());
    a.phone = absl::StrFormat("+1-555-%07d", (i * 7919 + options.seed) % 10000000);
    a.bio = absl::StrCat(a.name, ", ", a.role,
                         p.organisation.empty() ? "" : absl::StrCat(" at ", p.organisation),
                         ". Into ", p.interests.empty() ? "people" : p.interests.back().tag,
                         ", \"always happy to chat\".");
  }
  return event;
}

void WriteCsv(const SynthEvent& event, std::ostream& out) {
  out << "external_id,name,email,phone,organisation,role,bio,interests,offers,seeks,languages,"
         "budget,availability,person_ref,wants,avoid\n";
  const match::SlotMask all_slots =
      event.slots == 64 ? ~match::SlotMask{0} : (match::SlotMask{1} << event.slots) - 1;
  auto ids = [&event](const std::vector<Index>& indices) {
    std::vector<std::string> out;
    for (Index i : indices) out.push_back(event.attendees[i].external_id);
    return JoinList(out);
  };
  for (const SynthAttendee& a : event.attendees) {
    const Profile& p = a.profile;
    std::vector<std::string> interests;
    for (const Interest& t : p.interests) {
      interests.push_back(t.weight > 1 ? absl::StrCat(t.tag, ":", t.weight) : t.tag);
    }
    std::vector<std::string> slots;
    if ((p.availability & all_slots) != all_slots) {
      for (int s = 0; s < event.slots; ++s) {
        if (p.availability & (match::SlotMask{1} << s)) slots.push_back(absl::StrCat("s", s + 1));
      }
    }
    const std::string fields[] = {a.external_id,
                                  a.name,
                                  a.email,
                                  a.phone,
                                  p.organisation,
                                  a.role,
                                  a.bio,
                                  JoinList(interests),
                                  JoinList(p.offers),
                                  JoinList(p.seeks),
                                  JoinList(p.languages),
                                  absl::StrCat(p.budget),
                                  JoinList(slots),
                                  a.person_ref,
                                  ids(p.wants),
                                  ids(p.avoid)};
    for (size_t f = 0; f < Size(fields); ++f) {
      if (f > 0) out << ',';
      out << CsvField(fields[f]);
    }
    out << '\n';
  }
}

}  // namespace parley::synth
