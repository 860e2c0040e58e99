// snapshot/glimpse_client.cpp: see glimpse_client.hpp.
#include "snapshot/glimpse_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include <ichannel/segment_file.hpp>

#include "feed/glimpse50.hpp"
#include "feed/soupbintcp.hpp"
#include "wire/soupbintcp_encode.hpp"

namespace ichannel::snapshot {
namespace {

constexpr auto kR = std::memory_order_relaxed;  // counters: statistics only (see the header)

std::uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t real_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t to_ns(double s) {
  return s <= 0 ? 0 : static_cast<std::uint64_t>(s * 1e9);
}

Result<Credentials> check(Credentials c, const std::string& where) {
  if (c.username.empty()) return Error{where + ": empty user name"};
  if (c.username.size() > wire::soup::kUsernameWidth)
    return Error{where + ": user name longer than 6 characters (SoupBinTCP)"};
  if (c.password.size() > wire::soup::kPasswordWidth)
    return Error{where + ": password longer than 10 characters (SoupBinTCP)"};
  return c;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<Credentials> credentials_from_file(const std::string& path) {
  auto fd = open_regular_file(path, O_RDONLY);
  if (!fd) return Error{"GLIMPSE credentials " + path + ": " + fd.error().message};
  Fd guard(*fd);
  struct stat st {};
  if (::fstat(*fd, &st) != 0)
    return Error{"GLIMPSE credentials " + path + ": " + std::strerror(errno)};
  if ((st.st_mode & 077) != 0)
    return Error{"GLIMPSE credentials " + path +
                 ": readable or writable by group or others (chmod 600)"};
  std::string text;
  std::array<char, 256> buf{};
  for (;;) {
    const ssize_t n = ::read(*fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"GLIMPSE credentials " + path + ": " + std::strerror(errno)};
    if (n == 0) break;
    text.append(buf.data(), static_cast<std::size_t>(n));
    if (text.size() > 4096)
      return Error{"GLIMPSE credentials " + path + ": longer than 4096 bytes"};
  }
  const std::string line = text.substr(0, text.find('\n'));
  std::string l = line;
  if (!l.empty() && l.back() == '\r') l.pop_back();
  const auto colon = l.find(':');
  if (colon == std::string::npos)
    return Error{"GLIMPSE credentials " + path + ": first line is not user:password"};
  return check({l.substr(0, colon), l.substr(colon + 1)}, "GLIMPSE credentials " + path);
}

Result<Credentials> credentials_from_environment() {
  const char* u = std::getenv(kUserEnv);
  const char* p = std::getenv(kPasswordEnv);
  if (u == nullptr || p == nullptr)
    return Error{std::string("GLIMPSE credentials: ") + kUserEnv + " and " + kPasswordEnv +
                 " must both be set"};
  return check({u, p}, std::string("GLIMPSE credentials from ") + kUserEnv + "/" + kPasswordEnv);
}

Result<Credentials> load_credentials(const std::string& path) {
  return path.empty() ? credentials_from_environment() : credentials_from_file(path);
}

std::string_view to_string(SnapshotError e) noexcept {
  switch (e) {
    case SnapshotError::kNone:
      return "ok";
    case SnapshotError::kConnect:
      return "connect failed";
    case SnapshotError::kConnectTimeout:
      return "connect timeout";
    case SnapshotError::kLoginRejected:
      return "login rejected";
    case SnapshotError::kServerTimeout:
      return "server timeout";
    case SnapshotError::kDisconnected:
      return "disconnected";
    case SnapshotError::kMalformed:
      return "malformed stream";
    case SnapshotError::kProtocol:
      return "protocol error";
    case SnapshotError::kStopped:
      return "stopped";
  }
  return "?";
}

GlimpseClient::GlimpseClient(GlimpseClientOptions options) : options_(std::move(options)) {}

SnapshotOutcome GlimpseClient::run(const std::function<void(const Tick&)>& on_tick,
                                   const std::atomic<bool>* stop) {
  counters_.attempts.fetch_add(1, kR);
  SnapshotOutcome out;
  const std::uint64_t t0 = mono_ns();
  const std::string who = "GLIMPSE " + options_.host + ":" + std::to_string(options_.port);
  auto finish = [&](SnapshotError e, std::string msg) {
    out.error = e;
    out.message = e == SnapshotError::kNone ? std::string() : who + ": " + msg;
    out.seconds = static_cast<double>(mono_ns() - t0) / 1e9;
    switch (e) {
      case SnapshotError::kNone:
        counters_.snapshots.fetch_add(1, kR);
        break;
      case SnapshotError::kConnect:
        counters_.connect_failures.fetch_add(1, kR);
        break;
      case SnapshotError::kConnectTimeout:
        counters_.connect_timeouts.fetch_add(1, kR);
        break;
      case SnapshotError::kLoginRejected:
        counters_.logins_rejected.fetch_add(1, kR);
        break;
      case SnapshotError::kServerTimeout:
        counters_.server_timeouts.fetch_add(1, kR);
        break;
      case SnapshotError::kDisconnected:
        counters_.disconnects.fetch_add(1, kR);
        break;
      case SnapshotError::kMalformed:
        counters_.malformed.fetch_add(1, kR);
        break;
      case SnapshotError::kProtocol:
        counters_.protocol_errors.fetch_add(1, kR);
        break;
      case SnapshotError::kStopped:
        break;
    }
    return out;
  };
  const std::uint64_t total_deadline =
      options_.total_timeout_s > 0 ? t0 + to_ns(options_.total_timeout_s) : ~std::uint64_t{0};
  auto stopped = [&] { return stop != nullptr && stop->load(kR); };  // only ends the run

  // --- connect ---------------------------------------------------------------------------------
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(options_.port);
  if (const int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return finish(SnapshotError::kConnect, std::string("address: ") + ::gai_strerror(rc));
  sockaddr_in addr{};
  std::memcpy(&addr, res->ai_addr, sizeof addr);
  ::freeaddrinfo(res);
  Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (sock.get() < 0)
    return finish(SnapshotError::kConnect, std::string("socket: ") + std::strerror(errno));
  const int fd = sock.get();
  const int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS)
      return finish(SnapshotError::kConnect, std::string("connect: ") + std::strerror(errno));
    const std::uint64_t deadline = std::min(total_deadline, t0 + to_ns(options_.connect_timeout_s));
    for (;;) {
      if (stopped()) return finish(SnapshotError::kStopped, "stopped while connecting");
      const std::uint64_t now = mono_ns();
      if (now >= deadline)
        return finish(SnapshotError::kConnectTimeout,
                      "no connection within " + std::to_string(options_.connect_timeout_s) + " s");
      pollfd p{fd, POLLOUT, 0};
      const int ms =
          static_cast<int>(std::min<std::uint64_t>(50, (deadline - now) / 1'000'000 + 1));
      if (::poll(&p, 1, ms) > 0) break;
    }
    int err = 0;
    socklen_t len = sizeof err;
    (void)::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
      return finish(SnapshotError::kConnect, std::string("connect: ") + std::strerror(err));
  }

  // --- login and read ----------------------------------------------------------------------------
  std::vector<std::uint8_t> tx;
  std::size_t tx_at = 0;
  wire::soup::append_login_request(tx, options_.credentials.username, options_.credentials.password,
                                   options_.session, 1);
  std::uint64_t last_tx = mono_ns();
  std::uint64_t last_rx = last_tx;
  const std::uint64_t hb_ns = to_ns(options_.heartbeat_interval_s);
  const std::uint64_t silence_ns = to_ns(options_.server_timeout_s);

  feed::soup::StreamDecoder decoder(feed::soup::Direction::kFromServer, options_.max_packet);
  enum class State { kLogin, kData, kDone } state = State::kLogin;
  SnapshotError fail = SnapshotError::kNone;
  std::string fail_msg;
  std::uint64_t soup_seq = 1;
  std::uint64_t recv_ns = 0;

  auto on_message = [&](std::span<const std::uint8_t> msg) {
    Tick t{};
    set_head(t, 0, options_.feed, 0);
    t.recv_ns = recv_ns;
    t.seq = soup_seq;
    bool end = false;
    bool produced = false;
    auto visit = [&](const auto& m) {
      using M = std::decay_t<decltype(m)>;
      if constexpr (std::is_same_v<M, feed::glimpse::EndOfSnapshot>) {
        end = true;
        out.next_sequence = m.sequence_number;
      }
      if constexpr (std::is_same_v<M, feed::itch::AddOrder> ||
                    std::is_same_v<M, feed::itch::AddOrderMpid>) {
        ++out.orders;
      }
      produced = feed::normalize(m, t);
    };
    const auto r = feed::glimpse::dispatch(msg, visit);
    if (r == feed::glimpse::DecodeResult::kLong) counters_.long_messages.fetch_add(1, kR);
    if (r != feed::glimpse::DecodeResult::kOk && r != feed::glimpse::DecodeResult::kLong) {
      fail = SnapshotError::kMalformed;
      const char type = msg.empty() ? '?' : static_cast<char>(msg[0]);
      fail_msg = "snapshot message " + std::to_string(soup_seq) + " (type '" +
                 std::string(1, type) + "', " + std::to_string(msg.size()) +
                 " bytes) does not decode";
      return;
    }
    ++soup_seq;
    if (out.messages == 0) out.first_message_seconds = static_cast<double>(mono_ns() - t0) / 1e9;
    ++out.messages;
    counters_.messages.fetch_add(1, kR);
    if (produced && on_tick) on_tick(t);
    if (end) state = State::kDone;
  };

  auto on_packet = [&](const feed::soup::Packet& p) {
    counters_.packets.fetch_add(1, kR);
    if (fail != SnapshotError::kNone || state == State::kDone) return;
    switch (p.type) {
      case 'A': {
        feed::soup::LoginAccepted a{};
        if (state != State::kLogin) {
          fail = SnapshotError::kProtocol;
          fail_msg = "a second login accepted";
        } else if (!feed::soup::decode(p, a)) {
          fail = SnapshotError::kMalformed;
          fail_msg = "login accepted with a sequence number that is not numeric";
        } else {
          out.session = std::string(feed::soup::trimmed(a.session));
          soup_seq = a.sequence_number;
          state = State::kData;
        }
        break;
      }
      case 'J': {
        feed::soup::LoginRejected j{};
        (void)feed::soup::decode(p, j);
        out.reject_reason = j.reject_reason_code;
        fail = SnapshotError::kLoginRejected;
        fail_msg = std::string("login rejected, reason '") + j.reject_reason_code + "' (" +
                   (j.reject_reason_code == 'A'   ? "not authorized"
                    : j.reject_reason_code == 'S' ? "session not available"
                                                  : "unknown reason") +
                   ")";
        break;
      }
      case 'S':
        if (state != State::kData) {
          fail = SnapshotError::kProtocol;
          fail_msg = "sequenced data before the login was accepted";
        } else {
          on_message(p.payload);
        }
        break;
      case 'H':
        counters_.heartbeats_received.fetch_add(1, kR);
        break;
      case '+':
        counters_.debug_packets.fetch_add(1, kR);
        break;
      case 'Z':
        fail = SnapshotError::kProtocol;
        fail_msg = "end of session after " + std::to_string(out.messages) +
                   " messages, before End of Snapshot";
        break;
      default:
        break;  // the decoder lets only server types through
    }
  };

  std::array<std::uint8_t, 65536> rx{};
  while (state != State::kDone && fail == SnapshotError::kNone) {
    if (stopped())
      return finish(SnapshotError::kStopped,
                    "stopped after " + std::to_string(out.messages) + " messages");
    const std::uint64_t now = mono_ns();
    if (now >= total_deadline)
      return finish(SnapshotError::kServerTimeout,
                    "snapshot not complete within " + std::to_string(options_.total_timeout_s) +
                        " s (" + std::to_string(out.messages) + " messages)");
    if (silence_ns > 0 && now - last_rx >= silence_ns)
      return finish(SnapshotError::kServerTimeout,
                    "server silent for " + std::to_string(options_.server_timeout_s) + " s after " +
                        std::to_string(out.messages) + " messages");
    if (hb_ns > 0 && tx_at == tx.size() && now - last_tx >= hb_ns) {
      tx.clear();
      tx_at = 0;
      wire::soup::append_client_heartbeat(tx);
      counters_.heartbeats_sent.fetch_add(1, kR);
    }
    if (tx_at < tx.size()) {
      const ssize_t n = ::send(fd, tx.data() + tx_at, tx.size() - tx_at, MSG_NOSIGNAL);
      if (n > 0) {
        tx_at += static_cast<std::size_t>(n);
        last_tx = now;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return finish(SnapshotError::kDisconnected, std::string("send: ") + std::strerror(errno) +
                                                        " after " + std::to_string(out.messages) +
                                                        " messages");
      }
    }
    pollfd p{fd, static_cast<short>(POLLIN | (tx_at < tx.size() ? POLLOUT : 0)), 0};
    std::uint64_t wait = 50'000'000;
    if (hb_ns > 0) wait = std::min(wait, last_tx + hb_ns > now ? last_tx + hb_ns - now : 0);
    if (silence_ns > 0)
      wait = std::min(wait, last_rx + silence_ns > now ? last_rx + silence_ns - now : 0);
    const int ready = ::poll(&p, 1, static_cast<int>(wait / 1'000'000 + 1));
    if (ready <= 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t n = ::recv(fd, rx.data(), rx.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) {
      const std::string why = n == 0 ? "closed by the server" : std::strerror(errno);
      if (state == State::kLogin)
        return finish(SnapshotError::kDisconnected,
                      "connection " + why + " before the login was answered");
      return finish(SnapshotError::kDisconnected, "connection " + why + " after " +
                                                      std::to_string(out.messages) +
                                                      " messages, before End of Snapshot");
    }
    last_rx = mono_ns();
    recv_ns = real_ns();
    counters_.bytes.fetch_add(static_cast<std::uint64_t>(n), kR);
    decoder.feed(std::span<const std::uint8_t>(rx.data(), static_cast<std::size_t>(n)), on_packet);
    if (decoder.error() != feed::soup::StreamError::kNone && fail == SnapshotError::kNone &&
        state != State::kDone) {
      fail = SnapshotError::kMalformed;
      fail_msg = std::string("SoupBinTCP stream: ") +
                 std::string(feed::soup::to_string(decoder.error())) + " at byte " +
                 std::to_string(decoder.error_offset()) + " after " + std::to_string(out.messages) +
                 " messages";
    }
  }
  if (fail != SnapshotError::kNone) return finish(fail, fail_msg);
  // Done: log out politely (best effort; the server may already have closed).
  std::vector<std::uint8_t> bye;
  wire::soup::append_logout_request(bye);
  (void)::send(fd, bye.data(), bye.size(), MSG_NOSIGNAL);
  return finish(SnapshotError::kNone, {});
}

}  // namespace ichannel::snapshot
