// `token create`, `token list` and `token revoke`: the API's bearer tokens.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/Tokens.h"
#include "cli/Commands.h"
#include "cli/Table.h"
#include "cli/UpdateSupport.h"
#include "core/Time.h"

namespace galaos::cli {
namespace {

nlohmann::json TokenJson(const store::ApiToken& token) {
  auto time_or_null = [](const std::optional<store::TimePoint>& time) {
    return time ? nlohmann::json(core::FormatIsoUtc(*time)) : nlohmann::json(nullptr);
  };
  return {{"id", token.id},
          {"name", token.name},
          {"role", store::Name(token.role)},
          {"createdAt", core::FormatIsoUtc(token.created_at)},
          {"lastUsedAt", time_or_null(token.last_used_at)},
          {"revokedAt", time_or_null(token.revoked_at)}};
}

}  // namespace

void AddTokenCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("token", "API tokens (Authorization: Bearer <token>)");
  group->require_subcommand(1);

  struct CreateOptions {
    std::string name;
    std::string role = "viewer";
    bool json = false;
  };
  auto create_options = std::make_shared<CreateOptions>();
  CLI::App* create = group->add_subcommand("create", "Issue a token; it is printed once");
  create->add_option("--name", create_options->name, "Who or what uses it")->required();
  create->add_option("--role", create_options->role, "admin or viewer")
      ->check(CLI::IsMember({"admin", "viewer"}))
      ->capture_default_str();
  create->add_flag("--json", create_options->json, "As JSON");
  create->callback([&context, &action, create_options] {
    action = [&context, create_options]() -> Status {
      store::Store* store = TRY(context.Store());
      api::Role role = TRY(api::ParseRole(create_options->role));
      nlohmann::json input = {{"name", create_options->name}, {"role", create_options->role}};
      Expected<api::IssuedToken> issued = api::IssueToken(*store, create_options->name, role);
      if (!issued) {
        return AuditAndReturn(*store, "token.create", input, "failed: " + issued.error().message(),
                              "", std::unexpected(issued.error()));
      }
      if (create_options->json) {
        nlohmann::json out = TokenJson(issued->record);
        out["token"] = issued->token;
        std::printf("%s\n", out.dump(2).c_str());
      } else {
        std::printf("%s\n", issued->token.c_str());
        std::fprintf(stderr, "token %s (%s, %s) created; it is not shown again\n",
                     issued->record.id.c_str(), issued->record.name.c_str(),
                     create_options->role.c_str());
      }
      return AuditAndReturn(*store, "token.create", input, "created " + issued->record.id, "",
                            Status{});
    };
  });

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = group->add_subcommand("list", "Every token, revoked ones included");
  list->add_flag("--json", *list_json, "As JSON");
  list->callback([&context, &action, list_json] {
    action = [&context, list_json]() -> Status {
      store::Store* store = TRY(context.Store());
      std::vector<store::ApiToken> tokens = TRY(store->ListApiTokens());
      if (*list_json) {
        nlohmann::json out = nlohmann::json::array();
        for (const store::ApiToken& token : tokens) out.push_back(TokenJson(token));
        std::printf("%s\n", out.dump(2).c_str());
        return {};
      }
      Table table({"ID", "NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"});
      for (const store::ApiToken& token : tokens) {
        table.AddRow({token.id, token.name, std::string(store::Name(token.role)),
                      FormatUtc(token.created_at),
                      token.last_used_at ? FormatUtc(*token.last_used_at) : "-",
                      token.revoked_at ? FormatUtc(*token.revoked_at) : "-"});
      }
      table.Print(stdout);
      return {};
    };
  });

  auto revoke_id = std::make_shared<std::string>();
  CLI::App* revoke = group->add_subcommand("revoke", "Revoke a token by its id");
  revoke->add_option("id", *revoke_id, "The token's id (the part before the dot)")->required();
  revoke->callback([&context, &action, revoke_id] {
    action = [&context, revoke_id]() -> Status {
      store::Store* store = TRY(context.Store());
      nlohmann::json input = {{"id", *revoke_id}};
      Status revoked = store->RevokeApiToken(*revoke_id);
      if (!revoked) {
        return AuditAndReturn(*store, "token.revoke", input, "failed: " + revoked.error().message(),
                              "", revoked);
      }
      std::fprintf(stderr, "token %s revoked\n", revoke_id->c_str());
      return AuditAndReturn(*store, "token.revoke", input, "revoked " + *revoke_id, "", Status{});
    };
  });
}

}  // namespace galaos::cli
