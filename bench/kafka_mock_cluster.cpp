// librdkafka's mock cluster as a program, for bench/brokers.py: the real
// Kafka protocol over loopback sockets, served by threads of this process,
// with no disk, no replication and no other load. Its figures are mock
// figures, not a Kafka broker's. Prints the bootstrap servers on stdout,
// then serves until stdin closes or SIGTERM.
//   pistream-bench-kafka-mock TOPIC

#include <csignal>
#include <cstdio>
#include <unistd.h>

#include "support/kafka_mock.h"

namespace {

void ignore(int) {}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: pistream-bench-kafka-mock TOPIC\n");
        return 2;
    }
    pistream::test::KafkaCluster cluster;
    if (!cluster.error().empty()) {
        std::fprintf(stderr, "pistream-bench-kafka-mock: %s\n", cluster.error().c_str());
        return 1;
    }
    cluster.createTopic(argv[1]);
    std::printf("%s\n", cluster.bootstraps().c_str());
    std::fflush(stdout);
    // SIGTERM ends the read below with EINTR rather than the process, so the
    // cluster is torn down in order.
    struct sigaction action {};
    action.sa_handler = ignore;
    sigaction(SIGTERM, &action, nullptr);
    char byte = 0;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    return 0;
}
