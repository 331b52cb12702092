#include "docker/ImageReference.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace galaos::docker {
namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLowerHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f');
}
bool IsHex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool IsWordChar(char c) {
  return IsAlnum(c) || c == '_';
}

// [a-z0-9]+ joined by the separators ".", "_", "__" or one or more "-".
bool IsPathComponent(std::string_view component) {
  if (component.empty() || !IsLowerAlnum(component.front()) || !IsLowerAlnum(component.back())) {
    return false;
  }
  std::size_t i = 0;
  while (i < component.size()) {
    if (IsLowerAlnum(component[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < component.size() && !IsLowerAlnum(component[i])) ++i;
    const std::string_view separator = component.substr(start, i - start);
    const bool dashes = std::ranges::all_of(separator, [](char c) { return c == '-'; });
    if (separator != "." && separator != "_" && separator != "__" && !dashes) return false;
  }
  return true;
}

// A DNS label as Docker accepts it: [a-zA-Z0-9] or [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9].
bool IsDomainLabel(std::string_view label) {
  return !label.empty() && IsAlnum(label.front()) && IsAlnum(label.back()) &&
         std::ranges::all_of(label, [](char c) { return IsAlnum(c) || c == '-'; });
}

// host[:port], host being dot-separated labels or a bracketed IPv6 address (no zone).
bool IsDomain(std::string_view domain) {
  std::string_view host = domain;
  std::string_view port;
  if (domain.starts_with('[')) {
    const std::size_t close = domain.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view address = domain.substr(1, close - 1);
    if (address.empty() ||
        !std::ranges::all_of(address, [](char c) { return IsHex(c) || c == ':'; })) {
      return false;
    }
    const std::string_view rest = domain.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    port = rest.empty() ? std::string_view() : rest.substr(1);
    if (!rest.empty() && port.empty()) return false;
  } else {
    const std::size_t colon = domain.find(':');
    if (colon != std::string_view::npos) {
      host = domain.substr(0, colon);
      port = domain.substr(colon + 1);
      if (port.empty()) return false;
    }
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = host.find('.', start);
      if (!IsDomainLabel(host.substr(start, dot - start))) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  return std::ranges::all_of(port, IsDigit);
}

// go-digest's rules for the algorithms registries use.
Status ValidateDigest(std::string_view digest) {
  const std::size_t colon = digest.find(':');
  const std::string_view algorithm = digest.substr(0, colon);
  if (colon == std::string_view::npos || algorithm.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("digest \"{}\" is not of the form algorithm:hex", digest));
  }
  const std::string_view hex = digest.substr(colon + 1);
  std::size_t length = 0;
  if (algorithm == "sha256") {
    length = 64;
  } else if (algorithm == "sha512") {
    length = 128;
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("digest \"{}\": unsupported algorithm \"{}\" (sha256 or sha512)",
                                 digest, algorithm));
  }
  if (hex.size() != length || !std::ranges::all_of(hex, IsLowerHex)) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("digest \"{}\": {} needs {} lowercase hex digits", digest, algorithm, length));
  }
  return {};
}

Status ValidateTag(std::string_view tag) {
  if (tag.empty()) return MakeError(ErrorCode::kInvalidArgument, "the tag after ':' is empty");
  if (tag.size() > kMaxTagLength) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("tag \"{}\" is longer than {} characters", tag, kMaxTagLength));
  }
  if (!IsWordChar(tag.front()) ||
      !std::ranges::all_of(tag, [](char c) { return IsWordChar(c) || c == '.' || c == '-'; })) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("tag \"{}\" may hold only letters, digits, '_', '.' and '-', and "
                                 "may not start with '.' or '-'",
                                 tag));
  }
  return {};
}

Status ValidatePath(std::string_view path) {
  if (std::ranges::any_of(path, [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("repository name \"{}\" must be lowercase", path));
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view component = path.substr(start, slash - start);
    if (!IsPathComponent(component)) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          fmt::format("repository path component \"{}\" must be lowercase letters and digits "
                      "joined by '.', '_', '__' or '-'",
                      component));
    }
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

// Docker's rule for whether the first component names a registry (see the header).
bool LooksLikeDomain(std::string_view component) {
  return component == "localhost" || component.find_first_of(".:") != std::string_view::npos ||
         std::ranges::any_of(component, [](char c) { return c >= 'A' && c <= 'Z'; });
}

Expected<ImageReference> ParseUnchecked(std::string_view text) {
  if (text.empty()) return MakeError(ErrorCode::kInvalidArgument, "the image name is empty");
  if (text.size() == 64 && std::ranges::all_of(text, IsLowerHex)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a 64-digit hexadecimal string is an image id, not a repository name");
  }
  ImageReference reference;
  std::string_view name = text;
  if (const std::size_t at = text.find('@'); at != std::string_view::npos) {
    reference.digest = std::string(text.substr(at + 1));
    TRY(ValidateDigest(reference.digest));
    name = text.substr(0, at);
  }
  // The tag is after the last ':' that follows the last '/' (a ':' before it is a port).
  const std::size_t last_slash = name.rfind('/');
  const std::size_t tag_colon =
      name.find(':', last_slash == std::string_view::npos ? 0 : last_slash + 1);
  if (tag_colon != std::string_view::npos) {
    reference.tag = std::string(name.substr(tag_colon + 1));
    TRY(ValidateTag(reference.tag));
    name = name.substr(0, tag_colon);
  } else if (reference.digest.empty()) {
    reference.tag = "latest";
  }
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "the repository name is empty");

  const std::size_t slash = name.find('/');
  const std::string_view first = name.substr(0, slash);
  if (slash != std::string_view::npos && LooksLikeDomain(first)) {
    reference.domain = first == "index.docker.io" ? kDockerHubDomain : first;
    reference.path = std::string(name.substr(slash + 1));
    if (!IsDomain(reference.domain)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("registry \"{}\" is not a host name or [IPv6] address with an "
                                   "optional :port",
                                   first));
    }
  } else {
    reference.domain = kDockerHubDomain;
    reference.path = std::string(name);
  }
  TRY(ValidatePath(reference.path));
  if (reference.domain == kDockerHubDomain && reference.path.find('/') == std::string::npos) {
    reference.path = "library/" + reference.path;
  }
  if (reference.Name().size() > kMaxNameLength) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("the repository name \"{}\" is longer than {} characters",
                                 reference.Name(), kMaxNameLength));
  }
  return reference;
}

}  // namespace

Expected<ImageReference> ImageReference::Parse(std::string_view text) {
  return WithContext(ParseUnchecked(text), fmt::format("invalid image reference \"{}\"", text));
}

std::string ImageReference::Registry() const {
  return domain == kDockerHubDomain ? std::string(kDockerHubRegistry) : domain;
}

std::string ImageReference::Name() const {
  return domain + "/" + path;
}

std::string ImageReference::FamiliarName() const {
  constexpr std::string_view kOfficial = "library/";
  if (domain != kDockerHubDomain) return Name();
  if (path.starts_with(kOfficial) && path.find('/', kOfficial.size()) == std::string::npos) {
    return path.substr(kOfficial.size());
  }
  return path;
}

std::string ImageReference::ToString() const {
  std::string text = Name();
  if (!tag.empty()) text += ":" + tag;
  if (!digest.empty()) text += "@" + digest;
  return text;
}

}  // namespace galaos::docker
