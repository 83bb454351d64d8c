#ifndef PARLEY_TOOLS_MATCH_ARGS_H_
#define PARLEY_TOOLS_MATCH_ARGS_H_

// Minimal "--name value" / "--flag" command-line parsing for the engine tools, so they need no
// flags library. Unknown or malformed arguments are reported by Parse().

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace parley::tools {

class Args {
 public:
  // `flags` are the names that take no value; every other --name takes the next argument.
  bool Parse(int argc, char** argv, std::initializer_list<const char*> flags,
             std::initializer_list<const char*> valued, std::string* error) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg.rfind("--", 0) != 0) return Fail(error, "unexpected argument " + arg);
      std::string name = arg.substr(2);
      std::string value;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      if (Contains(flags, name)) {
        values_[name] = "true";
      } else if (Contains(valued, name)) {
        if (eq == std::string::npos) {
          if (i + 1 >= argc) return Fail(error, "--" + name + " needs a value");
          value = argv[++i];
        }
        values_[name] = value;
      } else {
        return Fail(error, "unknown option --" + name);
      }
    }
    return true;
  }
  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  std::string String(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  // false (and *error set) when present but not an integer.
  bool Int64(const std::string& name, int64_t fallback, int64_t* out, std::string* error) const {
    auto it = values_.find(name);
    if (it == values_.end()) {
      *out = fallback;
      return true;
    }
    if (absl::SimpleAtoi(it->second, out)) return true;
    return Fail(error, absl::StrCat("--", name, ": not an integer: ", it->second));
  }

 private:
  static bool Contains(std::initializer_list<const char*> names, const std::string& name) {
    for (const char* n : names) {
      if (name == n) return true;
    }
    return false;
  }
  static bool Fail(std::string* error, std::string message) {
    *error = std::move(message);
    return false;
  }
  std::map<std::string, std::string> values_;
};

}  // namespace parley::tools

#endif  // PARLEY_TOOLS_MATCH_ARGS_H_
