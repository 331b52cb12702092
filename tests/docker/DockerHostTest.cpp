#include <gtest/gtest.h>

#include "docker/DockerHost.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

TEST(DockerHost, UnixSocketIsReachedThroughLocalhost) {
  ASSERT_OK_AND_ASSIGN(const DockerHost host, ParseDockerHost("unix:///var/run/docker.sock"));
  EXPECT_EQ(host.unix_socket, "/var/run/docker.sock");
  EXPECT_EQ(host.base_url, "http://localhost");
  EXPECT_EQ(host.text, "unix:///var/run/docker.sock");
}

TEST(DockerHost, TcpHostKeepsItsPortAndDefaultsTo2375) {
  ASSERT_OK_AND_ASSIGN(const DockerHost with_port, ParseDockerHost("tcp://10.0.0.5:2376"));
  EXPECT_EQ(with_port.base_url, "http://10.0.0.5:2376");
  EXPECT_TRUE(with_port.unix_socket.empty());
  ASSERT_OK_AND_ASSIGN(const DockerHost without_port, ParseDockerHost("tcp://docker"));
  EXPECT_EQ(without_port.base_url, "http://docker:2375");
  ASSERT_OK_AND_ASSIGN(const DockerHost v6, ParseDockerHost("tcp://[::1]:2375/"));
  EXPECT_EQ(v6.base_url, "http://[::1]:2375");
}

TEST(DockerHost, MalformedHostsAreRejectedWithTheirText) {
  for (const char* text :
       {"", "/var/run/docker.sock", "unix://relative.sock", "https://h:2376", "tcp://", "tcp://h:0",
        "tcp://h:99999", "tcp://h:12x", "tcp://[::1", "tcp://user@h:1", "ssh://h"}) {
    const auto host = ParseDockerHost(text);
    EXPECT_ERROR_CODE(host, ErrorCode::kInvalidArgument);
    if (!host) {
      EXPECT_NE(host.error().message().find(text), std::string::npos) << text;
    }
  }
}

TEST(DockerHost, ACredentialInARejectedHostIsNotRepeated) {
  const auto host = ParseDockerHost("tcp://admin:s3cret@docker:2375");
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().message().find("s3cret"), std::string::npos) << host.error().message();
}

}  // namespace
}  // namespace galaos::docker
