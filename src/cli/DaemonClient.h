// The CLI as a client of a running daemon (`apply code --follow`, `rollback --follow`): it
// starts a long mutation through the daemon's API with `wait: false` and follows GET /events
// until that transaction ends, so the update runs in the daemon (surviving this terminal)
// while its steps and output are printed here.
// The daemon is found at api.listen (0.0.0.0/:: mean this host; https when api.tls_cert is
// set, verified against that certificate); the admin token comes from GALAOS_UPDATER_TOKEN,
// never from the command line, where other users could read it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "code/VersionManager.h"
#include "config/Config.h"
#include "core/Error.h"

namespace galaos::cli {

inline constexpr std::string_view kTokenVariable = "GALAOS_UPDATER_TOKEN";

struct FollowedTransaction {
  std::string id;
  std::string final_state;  // e.g. "Succeeded", "RolledBack"
  bool success = false;
};

// Calls `procedure` ("systemUpdates.applyCodeUpdate") with `input` plus wait: false, then
// hands the transaction's steps and output lines to `progress` until it ends. The API's
// refusals keep their meaning: CONFLICT is kConflict, BAD_REQUEST kInvalidArgument, ...
Expected<FollowedTransaction> RunAndFollow(const config::Config& config, std::string_view procedure,
                                           nlohmann::json input,
                                           const code::ProgressCallback& progress);

// Prints how a followed transaction ended; a failed one is a kFailed error (exit 1).
Status PrintFollowed(const FollowedTransaction& followed);

}  // namespace galaos::cli
