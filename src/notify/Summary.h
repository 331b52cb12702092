// Summary: the human-readable form of a notification payload, shared by the sinks that speak
// to people (Slack, email).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Error.h"
#include "store/Records.h"

namespace galaos::notify {

struct Summary {
  std::string title{};  // one line, e.g. "Update failed: 1.2.0 → 1.3.0 (rolled back)"
  std::vector<std::pair<std::string, std::string>> fields{};  // label, value; in display order
  std::string details{};  // multi-line: the changelog or the error; may be empty
};

// From a stored payload (PayloadJson's shape); an unparsable payload is kCorrupt.
Expected<Summary> Summarize(const store::Notification& message);

// `text` with &, <, > (and " and ' when `quotes`) as character references: as HTML text, or
// Slack mrkdwn (which wants only the first three), nothing in it can become markup.
std::string EscapeEntities(std::string_view text, bool quotes);

}  // namespace galaos::notify
