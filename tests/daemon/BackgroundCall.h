// Starting a long mutation with `wait: false` over real HTTP, for the daemon tests that then
// follow it on /events (WaitForTransactionEnd in DaemonFixture.h).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace galaos::daemon {

// POSTs `body` to systemUpdates.<procedure> as `token`; the transaction id it answered ("" on
// any other answer, which fails the test).
inline std::string StartInBackground(int port, const std::string& token,
                                     const std::string& procedure, const std::string& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(60));
  auto started =
      client.Post("/trpc/systemUpdates." + procedure,
                  httplib::Headers{{"Authorization", "Bearer " + token}}, body, "application/json");
  EXPECT_TRUE(started && started->status == 200) << (started ? started->body : "no answer");
  if (!started || started->status != 200) return "";
  return nlohmann::json::parse(started->body)["result"]["data"].value("transactionId", "");
}

}  // namespace galaos::daemon
