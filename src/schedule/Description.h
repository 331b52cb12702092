// Describe: a cron schedule in plain English for people (the dashboard, `schedule list`).
#pragma once

#include <string>

#include "schedule/CronExpression.h"
#include "schedule/Zone.h"

namespace galaos::schedule {

// Common shapes in words: "every 15 minutes", "every hour at minute 30", "every day at 02:00
// Europe/Berlin", "every Sunday at 03:00 UTC", "every Monday to Friday at 09:00 UTC", "on day 1
// of every month at 00:00 UTC", "on the last day of every month at 23:00 UTC". Anything else
// is the expression itself: "cron \"0 9-17 * * 1-5\" in Europe/Berlin".
std::string Describe(const CronExpression& cron, const Zone& zone);

}  // namespace galaos::schedule
