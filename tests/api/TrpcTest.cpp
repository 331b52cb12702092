// The wire protocol against the exchanges recorded from a real @trpc/server v11
// (../shared/trpc-wire-format.md): same statuses, envelopes, codes and paths.
#include <gtest/gtest.h>

#include "api/Input.h"
#include "api/Trpc.h"

namespace galaos::api {
namespace {

using nlohmann::json;

// A router shaped like the recorded one.
class TrpcRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("systemUpdates.getCurrentVersion", ProcedureKind::kQuery, Access::kPublic,
                [](const Caller&, const json&) -> Expected<json> {
                  return json{{"version", "1.0.0"}, {"major", 1}, {"minor", 0}, {"patch", 0}};
                });
    router_.Add("systemUpdates.getUpdateHistory", ProcedureKind::kQuery, Access::kViewer,
                [this](const Caller&, const json& input) -> Expected<json> {
                  InputReader reader(input);
                  last_limit_ = reader.Int("limit", 20, 1, 100);
                  TRY(reader.Finish());
                  return json::array();
                });
    router_.Add("systemUpdates.listBackups", ProcedureKind::kQuery, Access::kViewer,
                [](const Caller&, const json&) -> Expected<json> { return json::array(); });
    router_.Add("systemUpdates.cleanBackups", ProcedureKind::kMutation, Access::kAdmin,
                [](const Caller&, const json& input) -> Expected<json> {
                  InputReader reader(input);
                  reader.Int("keepCount", 5, 1, 1000);
                  TRY(reader.Finish());
                  return json{{"deletedCount", 0}, {"message", "Deleted 0 old backup(s)"}};
                });
    router_.Add("systemUpdates.removeSchedule", ProcedureKind::kMutation, Access::kAdmin,
                [](const Caller&, const json&) -> Expected<json> {
                  return MakeError(ErrorCode::kNotFound, "NOT_FOUND");
                });
    router_.Add("systemUpdates.applyCodeUpdate", ProcedureKind::kMutation, Access::kAdmin,
                [](const Caller&, const json&) -> Expected<json> {
                  return MakeError(ErrorCode::kConflict, "update tx-1 is running");
                });
  }

  HttpReply Get(std::string procedures, std::optional<std::string> input = std::nullopt,
                const Caller& caller = {}, bool batch = false) {
    TrpcRequest request{.method = "GET", .procedures = std::move(procedures)};
    if (input) request.query.emplace("input", *input);
    if (batch) request.query.emplace("batch", "1");
    return router_.Handle(request, caller);
  }

  HttpReply Post(std::string procedures, std::string body, const Caller& caller,
                 std::optional<std::string> content_type = "application/json", bool batch = false) {
    TrpcRequest request{.method = "POST",
                        .procedures = std::move(procedures),
                        .content_type = std::move(content_type),
                        .body = std::move(body)};
    if (batch) request.query.emplace("batch", "1");
    return router_.Handle(request, caller);
  }

  static json Body(const HttpReply& reply) { return json::parse(reply.body); }

  static std::optional<std::string> Header(const HttpReply& reply, std::string_view name) {
    for (const auto& [key, value] : reply.headers) {
      if (key == name) return value;
    }
    return std::nullopt;
  }

  TrpcRouter router_;
  std::int64_t last_limit_ = 0;
  const Caller admin_{.role = Role::kAdmin, .actor = "ops"};
  const Caller viewer_{.role = Role::kViewer, .actor = "dash"};
};

TEST_F(TrpcRouterTest, QueryWithoutInputReturnsTheResultEnvelope) {
  HttpReply reply = Get("systemUpdates.getCurrentVersion");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(reply.body, R"({"result":{"data":{"major":1,"minor":0,"patch":0,"version":"1.0.0"}}})");
}

TEST_F(TrpcRouterTest, QueryInputIsPassedToTheHandler) {
  HttpReply reply = Get("systemUpdates.getUpdateHistory", R"({"limit":5})", viewer_);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(Body(reply), json::parse(R"({"result":{"data":[]}})"));
  EXPECT_EQ(last_limit_, 5);
}

TEST_F(TrpcRouterTest, AbsentInputGetsTheDefaults) {
  ASSERT_EQ(Get("systemUpdates.getUpdateHistory", std::nullopt, viewer_).status, 200);
  EXPECT_EQ(last_limit_, 20);
}

TEST_F(TrpcRouterTest, InvalidInputIsBadRequestNamingTheField) {
  HttpReply reply = Get("systemUpdates.getUpdateHistory", R"({"limit":1000})", viewer_);
  EXPECT_EQ(reply.status, 400);
  json error = Body(reply)["error"];
  EXPECT_EQ(error["code"], -32600);
  EXPECT_EQ(
      error["data"],
      json::parse(
          R"({"code":"BAD_REQUEST","httpStatus":400,"path":"systemUpdates.getUpdateHistory"})"));
  EXPECT_EQ(error["message"], "limit: must be at most 100");
}

TEST_F(TrpcRouterTest, MissingTokenIsUnauthorized) {
  HttpReply reply = Get("systemUpdates.listBackups");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(
      Body(reply),
      json::parse(
          R"({"error":{"message":"UNAUTHORIZED","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401,"path":"systemUpdates.listBackups"}}})"));
}

TEST_F(TrpcRouterTest, ViewerCallingAMutationIsForbidden) {
  HttpReply reply = Post("systemUpdates.cleanBackups", R"({"keepCount":5})", viewer_);
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(
      Body(reply),
      json::parse(
          R"({"error":{"message":"FORBIDDEN","code":-32003,"data":{"code":"FORBIDDEN","httpStatus":403,"path":"systemUpdates.cleanBackups"}}})"));
}

TEST_F(TrpcRouterTest, AdminMutationReturnsItsResult) {
  HttpReply reply = Post("systemUpdates.cleanBackups", R"({"keepCount":5})", admin_);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(Body(reply),
            json::parse(
                R"j({"result":{"data":{"deletedCount":0,"message":"Deleted 0 old backup(s)"}}})j"));
}

TEST_F(TrpcRouterTest, MutationWithEmptyJsonBodyGetsTheDefaults) {
  EXPECT_EQ(Post("systemUpdates.cleanBackups", "{}", admin_).status, 200);
  EXPECT_EQ(Post("systemUpdates.cleanBackups", "", admin_).status, 200);
}

TEST_F(TrpcRouterTest, PostWithoutContentTypeIsUnsupportedMediaType) {
  for (const char* procedure : {"systemUpdates.applyCodeUpdate", "systemUpdates.listBackups"}) {
    HttpReply reply = Post(procedure, "", admin_, std::nullopt);
    EXPECT_EQ(reply.status, 415) << procedure;
    EXPECT_EQ(reply.content_type, "text/plain;charset=UTF-8");
    EXPECT_EQ(
        Body(reply),
        json::parse(
            R"({"error":{"message":"Missing content-type header","code":-32015,"data":{"code":"UNSUPPORTED_MEDIA_TYPE","httpStatus":415}}})"));
  }
}

TEST_F(TrpcRouterTest, HandlerErrorsKeepTheirCode) {
  HttpReply not_found = Post("systemUpdates.removeSchedule", R"({"scheduleId":"nope"})", admin_);
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(
      Body(not_found),
      json::parse(
          R"({"error":{"message":"NOT_FOUND","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":"systemUpdates.removeSchedule"}}})"));
  HttpReply conflict = Post("systemUpdates.applyCodeUpdate", "{}", admin_);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Body(conflict)["error"]["code"], -32009);
  EXPECT_EQ(Body(conflict)["error"]["data"]["code"], "CONFLICT");
  EXPECT_EQ(Body(conflict)["error"]["message"], "update tx-1 is running");
}

TEST_F(TrpcRouterTest, BatchedQueriesReturnAnArrayInOrder) {
  HttpReply reply = Get("systemUpdates.getCurrentVersion,systemUpdates.getUpdateHistory",
                        R"({"0":{},"1":{"limit":2}})", viewer_, /*batch=*/true);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(
      Body(reply),
      json::parse(
          R"([{"result":{"data":{"version":"1.0.0","major":1,"minor":0,"patch":0}}},{"result":{"data":[]}}])"));
  EXPECT_EQ(last_limit_, 2);
}

TEST_F(TrpcRouterTest, BatchWithOneFailureIsMultiStatus) {
  HttpReply reply = Get("systemUpdates.getCurrentVersion,systemUpdates.listBackups", "{}", {},
                        /*batch=*/true);
  EXPECT_EQ(reply.status, 207);
  EXPECT_EQ(
      Body(reply),
      json::parse(
          R"([{"result":{"data":{"version":"1.0.0","major":1,"minor":0,"patch":0}}},{"error":{"message":"UNAUTHORIZED","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401,"path":"systemUpdates.listBackups"}}}])"));
}

TEST_F(TrpcRouterTest, BatchedMutationsValidateEachInput) {
  HttpReply reply = Post("systemUpdates.cleanBackups,systemUpdates.cleanBackups",
                         R"({"0":{"keepCount":3},"1":{"keepCount":0}})", admin_, "application/json",
                         /*batch=*/true);
  EXPECT_EQ(reply.status, 207);
  json body = Body(reply);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["result"]["data"]["deletedCount"], 0);
  EXPECT_EQ(body[1]["error"]["data"]["code"], "BAD_REQUEST");
  EXPECT_EQ(body[1]["error"]["message"], "keepCount: must be at least 1");
}

TEST_F(TrpcRouterTest, BatchWhoseCallsAllFailTheSameWayTakesThatStatus) {
  HttpReply reply = Get("systemUpdates.listBackups,systemUpdates.getUpdateHistory", "{}", {},
                        /*batch=*/true);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(Body(reply).size(), 2u);
}

TEST_F(TrpcRouterTest, UnknownProcedureIsNotFound) {
  HttpReply reply = Get("systemUpdates.noSuchThing");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(
      Body(reply),
      json::parse(
          R"({"error":{"message":"No procedure found on path \"systemUpdates.noSuchThing\"","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":"systemUpdates.noSuchThing"}}})"));
}

TEST_F(TrpcRouterTest, MalformedInputJsonIsBadRequest) {
  HttpReply reply = Get("systemUpdates.getUpdateHistory", "{bad", viewer_);
  EXPECT_EQ(reply.status, 400);
  json error = Body(reply)["error"];
  EXPECT_EQ(error["data"]["code"], "BAD_REQUEST");
  EXPECT_EQ(error["data"]["path"], "systemUpdates.getUpdateHistory");
  EXPECT_EQ(error["message"], "input is not valid JSON at position 1");
}

TEST_F(TrpcRouterTest, QueryCalledWithPostIsMethodNotSupported) {
  HttpReply reply = Post("systemUpdates.listBackups", "", admin_);
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(Header(reply, "Allow"), "GET");
  EXPECT_EQ(
      Body(reply),
      json::parse(
          R"({"error":{"message":"Unsupported POST-request to query procedure at path \"systemUpdates.listBackups\"","code":-32005,"data":{"code":"METHOD_NOT_SUPPORTED","httpStatus":405,"path":"systemUpdates.listBackups"}}})"));
}

TEST_F(TrpcRouterTest, MutationCalledWithGetIsMethodNotSupported) {
  HttpReply reply = Get("systemUpdates.cleanBackups", std::nullopt, admin_);
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(Header(reply, "Allow"), "POST");
  EXPECT_EQ(
      Body(reply),
      json::parse(
          R"({"error":{"message":"Unsupported GET-request to mutation procedure at path \"systemUpdates.cleanBackups\"","code":-32005,"data":{"code":"METHOD_NOT_SUPPORTED","httpStatus":405,"path":"systemUpdates.cleanBackups"}}})"));
}

TEST_F(TrpcRouterTest, MethodNotSupportedComesBeforeAuthorization) {
  // An anonymous GET of a mutation learns the method is wrong, as with @trpc/server.
  EXPECT_EQ(Get("systemUpdates.cleanBackups").status, 405);
}

TEST(TrpcCodes, EveryCodeHasItsJsonRpcNumberAndStatus) {
  struct Row {
    TrpcCode code;
    std::string_view name;
    int json_rpc;
    int http;
  };
  for (const Row& row : std::initializer_list<Row>{
           {TrpcCode::kParseError, "PARSE_ERROR", -32700, 400},
           {TrpcCode::kBadRequest, "BAD_REQUEST", -32600, 400},
           {TrpcCode::kUnauthorized, "UNAUTHORIZED", -32001, 401},
           {TrpcCode::kForbidden, "FORBIDDEN", -32003, 403},
           {TrpcCode::kNotFound, "NOT_FOUND", -32004, 404},
           {TrpcCode::kMethodNotSupported, "METHOD_NOT_SUPPORTED", -32005, 405},
           {TrpcCode::kTimeout, "TIMEOUT", -32008, 408},
           {TrpcCode::kConflict, "CONFLICT", -32009, 409},
           {TrpcCode::kPayloadTooLarge, "PAYLOAD_TOO_LARGE", -32013, 413},
           {TrpcCode::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", -32015, 415},
           {TrpcCode::kTooManyRequests, "TOO_MANY_REQUESTS", -32029, 429},
           {TrpcCode::kInternalServerError, "INTERNAL_SERVER_ERROR", -32603, 500},
       }) {
    EXPECT_EQ(TrpcCodeName(row.code), row.name);
    EXPECT_EQ(JsonRpcCode(row.code), row.json_rpc) << row.name;
    EXPECT_EQ(HttpStatus(row.code), row.http) << row.name;
  }
}

TEST(TrpcCodes, ErrorsOfOursMapToTheirTrpcCodes) {
  EXPECT_EQ(TrpcCodeFor(ErrorCode::kInvalidArgument), TrpcCode::kBadRequest);
  EXPECT_EQ(TrpcCodeFor(ErrorCode::kNotFound), TrpcCode::kNotFound);
  EXPECT_EQ(TrpcCodeFor(ErrorCode::kConflict), TrpcCode::kConflict);
  EXPECT_EQ(TrpcCodeFor(ErrorCode::kUnauthorized), TrpcCode::kUnauthorized);
  EXPECT_EQ(TrpcCodeFor(ErrorCode::kForbidden), TrpcCode::kForbidden);
  EXPECT_EQ(TrpcCodeFor(ErrorCode::kTimeout), TrpcCode::kTimeout);
  EXPECT_EQ(TrpcCodeFor(ErrorCode::kIo), TrpcCode::kInternalServerError);
}

}  // namespace
}  // namespace galaos::api
