// The `systemUpdates.*` procedures of the original tRPC router (DESIGN.md §6), over the
// services the CLI uses too. Queries need any token (getCurrentVersion none), mutations the
// admin role. Every mutation leaves an audit row: actor, client address, request id,
// procedure, input, outcome and transaction id. The long mutations (applyCodeUpdate,
// applyDockerUpdate, applyFullUpdate, triggerUpdate, rollback) wait for the result, or with
// `wait: false` answer {transactionId} (the first transaction's) once it has started.
#pragma once

#include "api/BackgroundTransactions.h"
#include "api/EventHub.h"
#include "api/Metrics.h"
#include "api/Trpc.h"
#include "config/Config.h"
#include "service/Services.h"
#include "store/Store.h"

namespace galaos::api {

struct SystemUpdatesContext {
  const config::Config& config;
  store::Store& store;
  service::Services& services;
  EventHub* events = nullptr;  // progress of running transactions goes here when set
  // Runs the long mutations called with `wait: false`; without it, such calls are
  // BAD_REQUEST.
  BackgroundTransactions* background = nullptr;
  // checkForUpdates and triggerUpdate record what they found here when set.
  service::LastUpdateCheck* last_check = nullptr;
};

// Registers every procedure; `context` must outlive the router.
void AddSystemUpdates(TrpcRouter& router, const SystemUpdatesContext& context);

}  // namespace galaos::api
