#include "service/UpdateRunner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/Time.h"
#include "notify/Event.h"
#include "service/Docker.h"
#include "store/ScheduleMeta.h"
#include "store/UpdateLock.h"

namespace galaos::service {
namespace {

using nlohmann::json;

// "database" first, then the requested channels the config enables (all of them when none
// is requested).
std::vector<std::string> SinksFor(const config::NotifyConfig& config,
                                  const std::vector<std::string>& channels) {
  std::vector<std::string> sinks = notify::EnabledSinks(config);
  if (channels.empty()) return sinks;
  std::erase_if(sinks, [&](const std::string& sink) {
    return sink != notify::kDatabaseSink && std::ranges::find(channels, sink) == channels.end();
  });
  return sinks;
}

// The update lock for a check: checks read the checkout and the containers, so no update may
// change them meanwhile. kConflict "another update is running: ..." naming the holder.
Expected<core::FileLock> LockForCheck(const std::filesystem::path& state_dir,
                                      std::string_view trigger) {
  TRY(store::RefuseWhileUpdating(state_dir));  // names the holder the way every refusal does
  return store::AcquireUpdateLock(state_dir, fmt::format("check ({})", trigger));
}

// Announced offers: "code <version or commit>", "docker <container> <digest>", stored per
// announce key (a schedule id) in the store's meta table as a JSON array, under
// store::AnnouncedMetaKey (removed with the schedule).
std::vector<std::string> ReadAnnounced(store::Store& store, std::string_view announce_key) {
  Expected<std::optional<std::string>> stored =
      store.GetMeta(store::AnnouncedMetaKey(announce_key));
  if (!stored || !*stored) return {};
  const json items = json::parse(**stored, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> announced;
  if (!items.is_array()) return announced;
  for (const json& item : items) {
    if (item.is_string()) announced.push_back(item.get<std::string>());
  }
  return announced;
}

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::ranges::find(items, item) != items.end();
}

bool IncludesCode(store::ScheduleUpdateType type) {
  return type != store::ScheduleUpdateType::kDocker;
}
bool IncludesDocker(store::ScheduleUpdateType type) {
  return type != store::ScheduleUpdateType::kCode;
}

}  // namespace

std::string RunState(bool success, std::initializer_list<std::string_view> final_states) {
  for (const std::string_view worst : {"RollbackFailed", "RolledBack"}) {
    if (std::ranges::find(final_states, worst) != final_states.end()) return std::string(worst);
  }
  return success ? "Succeeded" : "Failed";
}

json ToJson(const RunOutcome& outcome) {
  json code = nullptr;
  if (outcome.code_check || outcome.code_update) {
    code = {{"check", outcome.code_check ? release::ToJson(*outcome.code_check) : json(nullptr)},
            {"update", outcome.code_update ? code::ToJson(*outcome.code_update) : json(nullptr)}};
  }
  json docker = nullptr;
  if (!outcome.containers.empty() || outcome.docker_update) {
    json containers = json::array();
    for (const auto& check : outcome.containers) containers.push_back(docker::ToJson(check));
    json update = nullptr;
    if (outcome.docker_update) {
      update = {{"success", outcome.docker_update->success},
                {"state", outcome.docker_update->final_state},
                {"updated", outcome.docker_update->updated},
                {"failed", outcome.docker_update->failed},
                {"errors", outcome.docker_update->errors}};
    }
    docker = {{"containers", containers}, {"update", update}};
  }
  return {
      {"success", outcome.success},
      {"state", RunState(outcome.success,
                         {outcome.code_update ? outcome.code_update->final_state : "",
                          outcome.docker_update ? outcome.docker_update->final_state : ""})},
      {"summary", outcome.summary},
      {"code", code},
      {"docker", docker},
      {"announcedEvent", outcome.announced_event ? json(*outcome.announced_event) : json(nullptr)}};
}

DockerApplier ContainerApplier(const config::Config& config, store::Store& store,
                               core::ProgressCallback progress,
                               std::function<void(const std::string&)> on_started) {
  return [&config, &store, progress, on_started](
             const std::vector<std::string>& containers,
             std::string_view trigger) -> Expected<DockerApplyResult> {
    const docker::DockerUpdateResult result = TRY(UpdateContainers(
        config, store,
        {.containers = containers, .trigger = std::string(trigger), .on_started = on_started},
        progress));
    DockerApplyResult applied{
        .success = result.success, .final_state = result.final_state, .errors = result.errors};
    for (const docker::ContainerUpdate& container : result.containers) {
      if (container.outcome == "updated") applied.updated.push_back(container.container);
      if (container.outcome == "failed") applied.failed.push_back(container.container);
    }
    return applied;
  };
}

UpdateRunner::UpdateRunner(const config::Config& config, store::Store& store, Services& services,
                           core::Clock& clock, DockerApplier docker_applier,
                           LastUpdateCheck* last_check)
    : config_(config),
      store_(store),
      services_(services),
      clock_(clock),
      docker_applier_(docker_applier ? std::move(docker_applier) : ContainerApplier(config, store)),
      last_check_(last_check) {}

Expected<RunOutcome> UpdateRunner::Run(const RunRequest& request,
                                       const code::ProgressCallback& progress) {
  const std::string& trigger = request.code_options.trigger;
  // Held while checking; let go before applying, which takes the lock itself.
  std::optional<core::FileLock> lock = TRY(LockForCheck(config_.state.dir, trigger));
  RunOutcome outcome;
  std::vector<std::string> parts;
  notify::UpdateAvailable available;
  // What this run found available ("code ...", "docker ..."), and which kinds it checked.
  std::vector<std::string> offers;
  bool code_checked = false;
  bool docker_checked = false;

  if (IncludesCode(request.type)) {
    Expected<release::UpdateCheck> check = CheckForUpdate(config_, store_);
    code_checked = check.has_value();
    if (!check) {
      outcome.success = false;
      parts.push_back("code: check failed: " + check.error().message());
    } else if (!check->available) {
      parts.push_back("code: up to date (" + check->current_version.ToString() + ")");
    } else if (!request.apply) {
      offers.push_back("code " + (check->latest_version ? check->latest_version->ToString()
                                                        : check->target_commit));
      available.current_version = check->current_version.ToString();
      available.latest_version = check->latest_version ? check->latest_version->ToString() : "";
      available.changelog = check->changelog;
      available.breaking = check->breaking;
      if (check->release_date) available.release_date = *check->release_date;
      parts.push_back(fmt::format(
          "code: {} available (running {})",
          available.latest_version.empty() ? check->target_commit : available.latest_version,
          available.current_version));
    } else {
      // Apply takes the update lock itself: a conflict here means an update started meanwhile.
      code::UpdateOptions options = request.code_options;
      options.notify_sinks = SinksFor(config_.notify, request.channels);
      lock.reset();
      code::UpdateResult result = TRY(services_.versions().Apply(options, progress));
      outcome.success = result.success;
      parts.push_back(result.success
                          ? fmt::format("code: updated {} -> {} ({})", result.previous_version,
                                        result.new_version, result.transaction_id)
                          : fmt::format("code: update failed in {}: {} ({}, {})",
                                        result.failed_step, fmt::join(result.errors, "; "),
                                        result.final_state, result.transaction_id));
      outcome.code_update = std::move(result);
    }
    if (last_check_) {
      last_check_->RecordCode(check, outcome.code_update && outcome.code_update->success);
    }
    if (check) outcome.code_check = std::move(*check);
  }

  if (IncludesDocker(request.type) && !outcome.success) {
    parts.push_back("docker: not run (the code part failed)");
  } else if (IncludesDocker(request.type) && !config_.docker.enabled) {
    parts.push_back("docker: off (docker.enabled = false)");
  } else if (IncludesDocker(request.type)) {
    Expected<std::vector<docker::ContainerImageCheck>> checks =
        [&]() -> Expected<std::vector<docker::ContainerImageCheck>> {
      // After a code update the lock was let go: an update may have started meanwhile.
      if (!lock) lock = TRY(LockForCheck(config_.state.dir, trigger));
      return CheckContainerImages(config_);
    }();
    docker_checked = checks.has_value();
    if (!checks) {
      outcome.success = false;
      parts.push_back("docker: check failed: " + checks.error().message());
    } else {
      std::vector<std::string> names;
      for (const docker::ContainerImageCheck& check : *checks) {
        if (!check.update_available || check.monitor_only) continue;
        names.push_back(check.container);
        offers.push_back("docker " + check.container + " " + check.remote_digest);
        available.containers.push_back({.name = check.container,
                                        .image = check.image,
                                        .current_digest = check.current_digest,
                                        .latest_digest = check.remote_digest});
      }
      outcome.containers = *checks;  // a copy: last_check_ records `checks` below
      if (names.empty()) {
        parts.push_back(
            fmt::format("docker: {} container(s) up to date", outcome.containers.size()));
      } else if (request.apply) {
        available.containers.clear();
        std::erase_if(offers,
                      [](const std::string& offer) { return offer.starts_with("docker "); });
        lock.reset();
        Expected<DockerApplyResult> result = docker_applier_(names, request.code_options.trigger);
        if (!result) {
          outcome.success = false;
          parts.push_back("docker: update failed: " + result.error().message());
        } else {
          outcome.success = result->success;
          parts.push_back(fmt::format("docker: updated [{}]", fmt::join(result->updated, ", ")) +
                          (result->failed.empty()
                               ? ""
                               : fmt::format(", failed [{}]: {}", fmt::join(result->failed, ", "),
                                             fmt::join(result->errors, "; "))));
          outcome.docker_update = std::move(*result);
        }
      } else {
        parts.push_back(fmt::format("docker: update available for [{}]", fmt::join(names, ", ")));
      }
    }
    if (last_check_) {
      last_check_->RecordContainers(checks, outcome.docker_update ? outcome.docker_update->updated
                                                                  : std::vector<std::string>{});
    }
  }
  lock.reset();

  if (Status announced = Announce(request, available, offers, code_checked, docker_checked,
                                  outcome.announced_event);
      !announced) {
    outcome.success = false;
    parts.push_back("announcing failed: " + announced.error().message());
  } else if (!offers.empty() && !outcome.announced_event) {
    parts.push_back("already announced");
  }
  if (request.deferred_to) {
    parts.push_back("apply deferred to the maintenance window at " +
                    core::FormatIsoUtc(*request.deferred_to));
  }
  outcome.summary = fmt::format("{}", fmt::join(parts, "; "));
  return outcome;
}

Status UpdateRunner::Announce(const RunRequest& request, notify::UpdateAvailable available,
                              const std::vector<std::string>& offers, bool code_checked,
                              bool docker_checked, std::optional<std::string>& event_id) {
  std::vector<std::string> previous;
  if (!request.announce_key.empty()) previous = ReadAnnounced(store_, request.announce_key);
  // What stays announced: this run's offers, and the earlier ones of a kind it did not check.
  std::vector<std::string> remembered = offers;
  for (const std::string& item : previous) {
    const bool checked = item.starts_with("code ") ? code_checked : docker_checked;
    if (!checked && !Contains(remembered, item)) remembered.push_back(item);
  }
  bool code_new = false;
  for (const std::string& offer : offers) {
    if (offer.starts_with("code ")) code_new = !Contains(previous, offer);
  }
  if (!code_new) {
    available = notify::UpdateAvailable{.containers = std::move(available.containers)};
  }
  std::erase_if(available.containers, [&](const notify::ContainerUpdate& container) {
    return Contains(previous, "docker " + container.name + " " + container.latest_digest);
  });
  const bool announce = code_new || !available.containers.empty();
  const bool remember = !request.announce_key.empty() && remembered != previous;
  if (!announce && !remember) return {};
  return store_.WithTransaction([&](store::Store& store) -> Status {
    if (announce) {
      event_id = TRY(notify::Enqueue(store, available, SinksFor(config_.notify, request.channels),
                                     clock_.Now()));
    }
    if (remember) {
      TRY(store.SetMeta(store::AnnouncedMetaKey(request.announce_key), json(remembered).dump()));
    }
    return {};
  });
}

std::string UpdateRunner::Run(const store::Schedule& schedule, const schedule::RunPlan& plan) {
  RunRequest request{.type = schedule.spec.update_type,
                     .apply = plan.apply,
                     .deferred_to = plan.deferred_to,
                     .channels = schedule.spec.notification_channels,
                     .announce_key = schedule.id};
  request.code_options.trigger = plan.trigger;
  request.code_options.actor = "scheduler";
  Expected<RunOutcome> outcome = Run(request);
  if (!outcome) {
    return std::string(outcome.error().code() == ErrorCode::kConflict ? schedule::kSkippedPrefix
                                                                      : "failed: ") +
           outcome.error().message();
  }
  std::string result = outcome->success ? outcome->summary : "failed: " + outcome->summary;
  if (plan.auto_update_disabled) result += " (notify only: schedule.auto_update is false)";
  return result;
}

}  // namespace galaos::service
