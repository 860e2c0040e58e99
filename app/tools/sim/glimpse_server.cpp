// sim/glimpse_server.cpp: see glimpse_server.hpp.
#include "tools/sim/glimpse_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <type_traits>

#include "feed/itch50.hpp"
#include "feed/soupbintcp.hpp"
#include "wire/itch50_encode.hpp"
#include "wire/soupbintcp_encode.hpp"

namespace ichannel::sim {
namespace {

constexpr auto kR = std::memory_order_relaxed;  // counters: statistics only

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("GLIMPSE server: " + what + ": " + std::strerror(errno));
}

std::uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string_view view(const std::array<char, 8>& a) {
  return {a.data(), a.size()};
}
std::string_view view(const std::array<char, 4>& a) {
  return {a.data(), a.size()};
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

// --- SnapshotBuilder ---------------------------------------------------------------------------

void SnapshotBuilder::reduce(std::uint64_t ref, std::uint32_t shares) {
  auto it = orders_.find(ref);
  if (it == orders_.end()) return;
  if (shares >= it->second.shares) {
    orders_.erase(it);
  } else {
    it->second.shares -= shares;
  }
}

void SnapshotBuilder::apply(std::span<const std::uint8_t> message, std::uint64_t sequence) {
  namespace itch = feed::itch;
  auto bytes = [&] { return std::vector<std::uint8_t>(message.begin(), message.end()); };
  auto visit = [&](const auto& m) {
    using M = std::decay_t<decltype(m)>;
    if constexpr (std::is_same_v<M, itch::SystemEvent>) {
      system_events_.push_back(bytes());
    } else if constexpr (std::is_same_v<M, itch::StockDirectory>) {
      directory_[m.stock_locate] = bytes();
    } else if constexpr (std::is_same_v<M, itch::StockTradingAction>) {
      trading_[m.stock_locate] = bytes();
    } else if constexpr (std::is_same_v<M, itch::RegShoRestriction>) {
      reg_sho_[m.stock_locate] = bytes();
    } else if constexpr (std::is_same_v<M, itch::AddOrder> ||
                         std::is_same_v<M, itch::AddOrderMpid>) {
      Order o{sequence,
              m.timestamp,
              m.shares,
              m.price,
              m.stock_locate,
              m.tracking_number,
              m.buy_sell_indicator,
              false,
              {' ', ' ', ' ', ' '},
              m.stock};
      if constexpr (std::is_same_v<M, itch::AddOrderMpid>) {
        o.mpid = true;
        o.attribution = m.attribution;
      }
      orders_[m.order_reference_number] = o;
    } else if constexpr (std::is_same_v<M, itch::OrderExecuted> ||
                         std::is_same_v<M, itch::OrderExecutedWithPrice>) {
      reduce(m.order_reference_number, m.executed_shares);
    } else if constexpr (std::is_same_v<M, itch::OrderCancel>) {
      reduce(m.order_reference_number, m.cancelled_shares);
    } else if constexpr (std::is_same_v<M, itch::OrderDelete>) {
      orders_.erase(m.order_reference_number);
    } else if constexpr (std::is_same_v<M, itch::OrderReplace>) {
      auto it = orders_.find(m.original_order_reference_number);
      if (it == orders_.end()) return;
      Order o = it->second;
      orders_.erase(it);
      o.priority = sequence;
      o.timestamp = m.timestamp;
      o.tracking = m.tracking_number;
      o.shares = m.shares;
      o.price = m.price;
      o.mpid = false;
      orders_[m.new_order_reference_number] = o;
    }
  };
  (void)itch::dispatch(message, visit);
}

std::vector<std::vector<std::uint8_t>> SnapshotBuilder::messages(std::uint64_t next) const {
  std::vector<std::vector<std::uint8_t>> out;
  out.reserve(system_events_.size() + directory_.size() + trading_.size() + reg_sho_.size() +
              orders_.size() + 1);
  for (const auto& m : system_events_) out.push_back(m);
  for (const auto* table : {&directory_, &trading_, &reg_sho_})
    for (const auto& [locate, m] : *table) out.push_back(m);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> by_priority;  // priority, ref
  by_priority.reserve(orders_.size());
  for (const auto& [ref, o] : orders_) by_priority.emplace_back(o.priority, ref);
  std::sort(by_priority.begin(), by_priority.end());
  for (const auto& [priority, ref] : by_priority) {
    const Order& o = orders_.at(ref);
    const wire::itch::Header h{o.locate, o.tracking, o.timestamp};
    if (o.mpid) {
      out.push_back(wire::itch::encode(wire::itch::AddOrderMpid{
          h, ref, o.side, o.shares, view(o.stock), o.price, view(o.attribution)}));
    } else {
      out.push_back(wire::itch::encode(
          wire::itch::AddOrder{h, ref, o.side, o.shares, view(o.stock), o.price}));
    }
  }
  out.push_back(wire::itch::encode(wire::itch::EndOfSnapshot{next}));
  return out;
}

// --- GlimpseServer -----------------------------------------------------------------------------

struct GlimpseServer::Connection {
  explicit Connection(int f) : fd(f), decoder(feed::soup::Direction::kFromClient) {}
  int fd;
  feed::soup::StreamDecoder decoder;
  bool logged_in = false;
  bool closing = false;  // flush `control`, then close
  bool stalled = false;
  std::vector<std::uint8_t> control;  // A, J, H packets not yet sent
  std::size_t control_at = 0;
  std::vector<std::uint8_t> snapshot;  // the snapshot's S packets
  std::vector<std::size_t> ends;       // end offset of each packet in `snapshot`
  std::size_t snapshot_at = 0;         // bytes of `snapshot` sent
  std::size_t sent_messages = 0;       // packets of `snapshot` completely sent
  std::uint64_t started_ns = 0;        // of the snapshot (rate cap)
  std::uint64_t next_message_ns = 0;   // delay_ms
  std::uint64_t last_rx = 0, last_tx = 0;
  bool done_counted = false;
};

GlimpseServer::GlimpseServer(const MessageHistory& history, GlimpseOptions options)
    : history_(history),
      options_(std::move(options)),
      applied_(history.first_sequence()),
      available_(~std::uint64_t{0}) {
  if (options_.session.empty()) options_.session = trim(history_.session());
}

GlimpseServer::~GlimpseServer() {
  stop();
}

void GlimpseServer::start() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) fail("socket");
  const int one = 1;
  (void)::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options_.port);
  if (inet_pton(AF_INET, options_.bind.c_str(), &addr.sin_addr) != 1) {
    errno = EINVAL;
    fail("bind address " + options_.bind);
  }
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    fail("bind " + options_.bind + ":" + std::to_string(options_.port));
  if (::listen(fd_, 16) != 0) fail("listen");
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");
  bound_port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

void GlimpseServer::stop() {
  stop_.store(true, kR);  // the join below is the synchronization
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

GlimpseStats GlimpseServer::stats() const noexcept {
  const Counters& c = counters_;
  return {c.connections.load(kR),     c.logins.load(kR),
          c.logins_rejected.load(kR), c.snapshots.load(kR),
          c.messages.load(kR),        c.bytes.load(kR),
          c.heartbeats_sent.load(kR), c.heartbeats_received.load(kR),
          c.logouts.load(kR),         c.idle_timeouts.load(kR),
          c.dropped.load(kR),         c.bad_packets.load(kR)};
}

void GlimpseServer::advance(std::uint64_t next) {
  next = std::min(next, history_.next_sequence());
  for (; applied_ < next; ++applied_) builder_.apply(history_.message(applied_), applied_);
}

void GlimpseServer::serve() {
  std::vector<std::unique_ptr<Connection>> conns;
  const auto hb_ns = static_cast<std::uint64_t>(options_.heartbeat_s * 1e9);
  const auto idle_ns = static_cast<std::uint64_t>(options_.idle_timeout_s * 1e9);
  const GlimpseFaults& f = options_.faults;
  const auto delay_ns = static_cast<std::uint64_t>(f.delay_ms * 1e6);

  auto login = [&](Connection& c, const feed::soup::Packet& p) {
    feed::soup::LoginRequest req{};
    if (!feed::soup::decode(p, req)) {
      counters_.bad_packets.fetch_add(1, kR);
      c.closing = true;
      return;
    }
    const std::string user(feed::soup::trimmed(req.username));
    const std::string pass(feed::soup::trimmed(req.password));
    const std::string session(feed::soup::trimmed(req.requested_session));
    char reject = 0;
    if (f.refuse_logins || user != options_.username || pass != options_.password) {
      reject = wire::soup::kRejectNotAuthorized;
    } else if (!session.empty() && session != options_.session) {
      reject = wire::soup::kRejectSessionNotAvailable;
    }
    if (reject != 0) {
      wire::soup::append_login_rejected(c.control, reject);
      counters_.logins_rejected.fetch_add(1, kR);
      c.closing = true;
      return;
    }
    counters_.logins.fetch_add(1, kR);
    c.logged_in = true;
    wire::soup::append_login_accepted(c.control, options_.session, 1);
    // The state at a message boundary: everything the sender sent so far.
    const std::uint64_t next = std::max(history_.first_sequence(),
                                        std::min(available_.load(kR), history_.next_sequence()));
    advance(next);
    for (const auto& m : builder_.messages(next)) {
      wire::soup::append_sequenced(c.snapshot, m);
      c.ends.push_back(c.snapshot.size());
    }
    c.started_ns = mono_ns();
    c.next_message_ns = c.started_ns;
  };

  auto on_readable = [&](Connection& c) {
    std::uint8_t buf[4096];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) {
        c.closing = true;
        c.control.clear();
        c.control_at = 0;
        return;
      }
      c.last_rx = mono_ns();
      c.decoder.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)),
                     [&](const feed::soup::Packet& p) {
                       if (c.closing) return;
                       if (!c.logged_in) {
                         if (p.type == 'L') {
                           login(c, p);
                         } else if (p.type != '+') {
                           counters_.bad_packets.fetch_add(1, kR);
                           c.closing = true;
                         }
                         return;
                       }
                       if (p.type == 'R') counters_.heartbeats_received.fetch_add(1, kR);
                       if (p.type == 'O') {
                         counters_.logouts.fetch_add(1, kR);
                         c.closing = true;
                       }
                     });
      if (c.decoder.error() != feed::soup::StreamError::kNone) {
        counters_.bad_packets.fetch_add(1, kR);
        c.closing = true;
        return;
      }
    }
  };

  // Sends what may go now; false when the connection must close at once.
  auto pump = [&](Connection& c) {
    const std::uint64_t now = mono_ns();  // after the reads: never before last_rx / started_ns
    if (c.stalled) return true;
    while (c.control_at < c.control.size()) {
      const ssize_t n = ::send(c.fd, c.control.data() + c.control_at,
                               c.control.size() - c.control_at, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EAGAIN) return true;
      if (n <= 0) return false;
      c.control_at += static_cast<std::size_t>(n);
      c.last_tx = now;
      counters_.bytes.fetch_add(static_cast<std::uint64_t>(n), kR);
    }
    c.control.clear();
    c.control_at = 0;
    if (c.closing) return false;
    while (c.snapshot_at < c.snapshot.size()) {
      if (f.stall_after >= 0 && c.sent_messages >= static_cast<std::size_t>(f.stall_after)) {
        c.stalled = true;
        return true;
      }
      if (f.drop_after >= 0 && c.sent_messages >= static_cast<std::size_t>(f.drop_after)) {
        counters_.dropped.fetch_add(1, kR);
        return false;
      }
      if (delay_ns > 0 && now < c.next_message_ns) return true;
      std::size_t end = c.snapshot.size();
      if (delay_ns > 0 || f.drop_after >= 0 || f.stall_after >= 0) end = c.ends[c.sent_messages];
      if (f.bytes_per_s > 0) {
        const double allowed =
            f.bytes_per_s * static_cast<double>(now - c.started_ns) / 1e9 + 64;  // one packet
        const auto cap = static_cast<std::size_t>(allowed);
        if (cap <= c.snapshot_at) return true;
        end = std::min(end, cap);
      }
      const ssize_t n = ::send(c.fd, c.snapshot.data() + c.snapshot_at, end - c.snapshot_at,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EAGAIN) return true;
      if (n <= 0) return false;
      c.snapshot_at += static_cast<std::size_t>(n);
      c.last_tx = now;
      counters_.bytes.fetch_add(static_cast<std::uint64_t>(n), kR);
      while (c.sent_messages < c.ends.size() && c.ends[c.sent_messages] <= c.snapshot_at) {
        ++c.sent_messages;
        counters_.messages.fetch_add(1, kR);
        if (delay_ns > 0) c.next_message_ns = now + delay_ns;
      }
      if (delay_ns > 0) return true;
    }
    if (!c.snapshot.empty() && c.snapshot_at == c.snapshot.size() && !c.done_counted) {
      c.done_counted = true;
      counters_.snapshots.fetch_add(1, kR);
    }
    if (c.logged_in && hb_ns > 0 && now - c.last_tx >= hb_ns) {
      wire::soup::append_server_heartbeat(c.control);
      counters_.heartbeats_sent.fetch_add(1, kR);
      const ssize_t n =
          ::send(c.fd, c.control.data(), c.control.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.control_at = static_cast<std::size_t>(n);
        c.last_tx = now;
        counters_.bytes.fetch_add(static_cast<std::uint64_t>(n), kR);
      }
    }
    return true;
  };

  std::vector<pollfd> pfds;
  while (!stop_.load(kR)) {
    pfds.clear();
    pfds.push_back({fd_, POLLIN, 0});
    bool busy = false;
    for (const auto& c : conns) {
      const bool wants_out =
          !c->stalled && (c->control_at < c->control.size() || c->snapshot_at < c->snapshot.size());
      const bool throttled = f.bytes_per_s > 0 || delay_ns > 0;
      busy = busy || (wants_out && throttled);
      pfds.push_back(
          {c->fd, static_cast<short>(POLLIN | (wants_out && !throttled ? POLLOUT : 0)), 0});
    }
    (void)::poll(pfds.data(), pfds.size(), busy ? 1 : 20);
    const std::uint64_t now = mono_ns();
    if (pfds[0].revents & POLLIN) {
      for (;;) {
        const int cfd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0) break;
        const int one = 1;
        (void)::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        counters_.connections.fetch_add(1, kR);
        auto c = std::make_unique<Connection>(cfd);
        c->last_rx = c->last_tx = now;
        conns.push_back(std::move(c));
      }
    }
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Connection& c = *conns[i];
      if (i + 1 < pfds.size() && (pfds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
        on_readable(c);
      bool keep = pump(c);
      if (keep && idle_ns > 0 && mono_ns() - c.last_rx >= idle_ns) {
        counters_.idle_timeouts.fetch_add(1, kR);
        keep = false;
      }
      if (!keep) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(conns, [](const auto& c) { return c->fd < 0; });
  }
  for (auto& c : conns) ::close(c->fd);
}

}  // namespace ichannel::sim
