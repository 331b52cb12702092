// Sink: one way out for notifications (webhook, Slack, email). The Deliverer hands each
// outbox row to the sink named in its `sink` column.
#pragma once

#include <string_view>

#include "core/Error.h"
#include "store/Records.h"

namespace galaos::notify {

class Sink {
 public:
  virtual ~Sink() = default;

  // The outbox `sink` name this sink serves ("webhook", "slack", "email").
  virtual std::string_view Name() const = 0;

  // Sends one message; success means the receiver acknowledged it. A failure a retry cannot
  // fix (the receiver refused the message itself) has a code IsPermanentFailure accepts; any
  // other failure is worth retrying. Error messages never contain the sink's secrets.
  virtual Status Deliver(const store::Notification& message) = 0;
};

// kInvalidArgument, kUnauthorized, kForbidden, kNotFound, kCorrupt: retrying cannot help.
bool IsPermanentFailure(const Error& error);

}  // namespace galaos::notify
