// Release: one published version of the application, and ReleaseSource, where releases come
// from (the git remote's tags, the GitHub Releases API).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/Error.h"
#include "semver/Version.h"

namespace galaos::release {

struct Release {
  std::string tag;          // the git tag, e.g. "v1.2.0"; valid per git::ValidateRefName
  semver::Version version;  // the tag read in semver's loose mode ("v1.2.0" and "1.2.0")
  std::string commit;       // 40 hex the tag peels to on the remote; empty when unknown
  std::string name;         // display title; the tag when the source has none
  std::string notes;        // markdown; empty when none
  std::optional<std::chrono::sys_seconds> published_at;  // nullopt: unknown
  bool prerelease = false;  // a semver prerelease, or marked as one by the source
  bool draft = false;       // never true in a list a ReleaseSource returns
  std::string html_url;     // a page about the release; empty when none
};

class ReleaseSource {
 public:
  virtual ~ReleaseSource() = default;

  // Every non-draft release whose tag is a version, highest version first, one per version.
  // Prereleases are included (flagged); UpdateChecker decides whether they count. A failure
  // to ask (network, HTTP status, rate limit, unreadable answer) is an error, never an empty
  // list.
  virtual Expected<std::vector<Release>> List() = 0;

  // What the source is, for messages: "tags of origin", "GitHub releases of owner/name".
  virtual std::string Describe() const = 0;
};

// Orders by version, highest first, and keeps the first release of each version.
void SortAndDeduplicate(std::vector<Release>& releases);

}  // namespace galaos::release
