// config/limits.hpp: the fixed capacities of ichannel-feed that a configuration must respect.
//
// Contract
// - The validator (config/src/validate.cpp) rejects a configuration beyond any of these, naming
//   the key; every consumer sizes its fixed tables from them or static_asserts that it can hold
//   them: the statistics segment (ports, lines, feeds, channels, cores), the fan-out of one feed
//   (outputs), the router and the queue list of one RX loop. So nothing after loading can fail
//   for lack of room.
// - Plain constants, no dependencies: included by config/, app/stats/, app/feed/ and the daemon.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ichannel::config {

inline constexpr std::size_t kMaxPorts = 16;  // ports: statistics segment rows
inline constexpr std::size_t kMaxFeeds = 32;  // feeds: statistics segment rows (A and B lines)
inline constexpr std::size_t kMaxLines = 2 * kMaxFeeds;
inline constexpr std::size_t kMaxChannels = 64;  // channels: statistics segment rows
inline constexpr std::size_t kMaxCores = 16;     // cores entries: statistics segment rows

inline constexpr std::size_t kMaxBookDepth = 64;           // feeds[].books.depth
inline constexpr std::uint64_t kMaxBookOrders = 1u << 26;  // feeds[].books.max_orders
inline constexpr std::uint64_t kMinSnapshotBufferTicks = 1024;      // feeds[].snapshot.buffer_ticks
inline constexpr std::uint64_t kMaxSnapshotBufferTicks = 1u << 28;  // (a power of two)
inline constexpr std::size_t kMaxSnapshotSession = 10;  // SoupBinTCP session field, characters
inline constexpr std::size_t kMaxOutputsPerFeed = 16;  // channels one feed publishes into
inline constexpr std::size_t kMaxQueuesPerLcore = 8;   // port queues one RX loop polls
// Lines one RX loop routes (its router's table). Every line may sit on one lcore, so the router
// cannot overflow once the feed count is within kMaxFeeds; the validator needs no check for it.
inline constexpr std::size_t kMaxLinesPerLcore = kMaxLines;

}  // namespace ichannel::config
