#include "git/RefName.h"

#include <cstdio>
#include <optional>
#include <string>

namespace galaos::git {
namespace {

// Forbidden by git's check-ref-format.
constexpr std::string_view kGitForbidden = "~^:?*[\\";
// Meaningful to a shell; refused so a name can never become a command anywhere downstream.
constexpr std::string_view kShellMetacharacters = ";$()`|&<>'\"!{}#";

bool IsControlOrSpace(unsigned char c) {
  return c <= 0x20 || c == 0x7f;
}

// The name as it may appear in a message: control bytes escaped, long names cut.
std::string Printable(std::string_view name) {
  constexpr std::size_t kMaxShown = 80;
  std::string out;
  for (unsigned char c : name.substr(0, kMaxShown)) {
    if (c < 0x20 || c == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (name.size() > kMaxShown) out += "...";
  return out;
}

std::unexpected<Error> Invalid(std::string_view what, std::string_view name,
                               std::string_view reason) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(what) + " '" + Printable(name) + "' " + std::string(reason));
}

std::optional<std::string_view> ForbiddenCharacterReason(std::string_view name) {
  for (char c : name) {
    if (IsControlOrSpace(static_cast<unsigned char>(c))) {
      return "contains whitespace or a control character";
    }
    if (kShellMetacharacters.find(c) != std::string_view::npos) {
      return "contains a shell metacharacter";
    }
  }
  return std::nullopt;
}

}  // namespace

Status ValidateRefName(std::string_view name) {
  constexpr std::string_view kWhat = "ref name";
  if (name.empty()) return Invalid(kWhat, name, "is empty");
  if (name.front() == '-') return Invalid(kWhat, name, "starts with '-'");
  if (auto reason = ForbiddenCharacterReason(name)) return Invalid(kWhat, name, *reason);
  if (name.find_first_of(kGitForbidden) != std::string_view::npos) {
    return Invalid(kWhat, name, "contains one of ~ ^ : ? * [ \\");
  }
  if (name == "@") return Invalid(kWhat, name, "is '@'");
  if (name.find("@{") != std::string_view::npos) return Invalid(kWhat, name, "contains '@{'");
  if (name.find("..") != std::string_view::npos) return Invalid(kWhat, name, "contains '..'");
  if (name.back() == '.') return Invalid(kWhat, name, "ends with '.'");
  if (name.back() == '/') return Invalid(kWhat, name, "ends with '/'");
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view component = name.substr(start, end - start);
    if (component.empty()) return Invalid(kWhat, name, "has an empty path component");
    if (component.front() == '.') return Invalid(kWhat, name, "has a component starting with '.'");
    if (component.ends_with(".lock")) {
      return Invalid(kWhat, name, "has a component ending with '.lock'");
    }
    start = end + 1;
  }
  return {};
}

Status ValidateRemote(std::string_view remote) {
  constexpr std::string_view kWhat = "remote";
  if (remote.empty()) return Invalid(kWhat, remote, "is empty");
  if (remote.front() == '-') return Invalid(kWhat, remote, "starts with '-'");
  if (auto reason = ForbiddenCharacterReason(remote)) return Invalid(kWhat, remote, *reason);
  if (remote.find("::") != std::string_view::npos) {
    return Invalid(kWhat, remote, "uses the '<helper>::' remote-helper syntax");
  }
  const bool is_address = remote.find_first_of(":/") != std::string_view::npos;
  if (!is_address) {
    return WithContext(ValidateRefName(remote), "remote name");
  }
  return {};
}

}  // namespace galaos::git
