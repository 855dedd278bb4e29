#include "params/names.h"

#include <cctype>

namespace kerasm::params {
namespace {

bool IsUpper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool IsLower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool IsLowerOrDigit(char c) { return IsLower(c) || std::isdigit(static_cast<unsigned char>(c)) != 0; }
char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
char Upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

}  // namespace

std::string SpellingKey(const std::string& name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c != '_') out.push_back(Lower(c));
  }
  return out;
}

std::string ToSnakeCase(const std::string& s) {
  // Pass 1, Keras' re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2'): split before a capitalised word.
  std::string pass1;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 2 < s.size() && IsUpper(s[i + 1]) && IsLowerOrDigit(s[i + 2])) {
      size_t j = i + 2;
      while (j < s.size() && IsLowerOrDigit(s[j])) ++j;
      pass1 += s[i];
      pass1 += '_';
      pass1.append(s, i + 1, j - i - 1);
      i = j;
    } else {
      pass1 += s[i++];
    }
  }
  // Pass 2, re.sub('([a-z])([A-Z])', r'\1_\2'), then lower case.
  std::string out;
  i = 0;
  while (i < pass1.size()) {
    if (i + 1 < pass1.size() && IsLower(pass1[i]) && IsUpper(pass1[i + 1])) {
      out += pass1[i];
      out += '_';
      out += pass1[i + 1];
      i += 2;
    } else {
      out += pass1[i++];
    }
  }
  for (char& c : out) c = Lower(c);
  // Keras' rule for names that start with a capital after an underscore ("_Private" -> "private_...").
  if (!out.empty() && out[0] == '_') out = "private" + out;
  return out;
}

std::string ToCamelCase(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    // As tfjs' snakeToCamel: an underscore before a lower-case letter or digit goes, the letter is raised.
    if (s[i] == '_' && i + 1 < s.size() && IsLowerOrDigit(s[i + 1]) && !out.empty()) {
      out += Upper(s[++i]);
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace kerasm::params
