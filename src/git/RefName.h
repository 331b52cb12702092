// Validation of names that callers hand to the git module (branches, tags, remotes).
// Every public function of galaos::git that takes such a name checks it first, so a hostile
// value is refused before any repository, remote or process sees it.
#pragma once

#include <string_view>

#include "core/Error.h"

namespace galaos::git {

// A branch or tag name (short like "v1.2.0", "release/2.x", or full like "refs/tags/v1.2.0"):
// git's check-ref-format rules (one-level names allowed) plus ours: no leading '-', no
// whitespace and no shell metacharacters. kInvalidArgument naming the broken rule otherwise.
Status ValidateRefName(std::string_view name);

// A remote: either a configured remote name (rules of ValidateRefName) or a URL / path
// ("/srv/app.git", "../app.git", "file:///srv/app.git", "https://host/app.git",
// "git@host:app.git"). Refused: a leading '-', whitespace, control characters, shell
// metacharacters and the "<helper>::<address>" remote-helper syntax.
Status ValidateRemote(std::string_view remote);

}  // namespace galaos::git
