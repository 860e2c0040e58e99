// python/src/module.cpp: the `ichannel` Python module (pybind11): read-only access to tick,
// top-of-book and raw channels and to the book table, records as numpy structured arrays.
//
// Contract (docs/python.md is the user's page)
// - Everything here is a receiver: channels and tables are mapped read-only, nothing is written.
// - Errors of the C++ API (Result errors) are raised as ichannel.Error (a RuntimeError) carrying
//   the C++ message verbatim. Bad Python arguments are ValueError / IndexError.
// - Channel.read() copies up to max_records records into a new array whose dtype mirrors the C++
//   record (record_dtype.hpp). With timeout > 0 it waits for the first record with the GIL
//   released (the ring's recv_for, idling by spin then 20 us sleeps), in slices of at most
//   100 ms between which it takes the GIL back to let Ctrl-C (signals) through; the records
//   that follow are copied without the GIL too. timeout None / 0: never waits.
// - One thread at a time per Channel / BookTable object (the C++ receivers' rule); the objects
//   hold no Python state while the GIL is released, and a call that waits keeps its object
//   alive.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <time.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

#include "raw_channel.hpp"
#include "record_dtype.hpp"

namespace py = pybind11;

namespace ichannel::python {
namespace {

// ichannel.Error: a C++ Error message, raised verbatim.
struct ChannelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
T unwrap(Result<T>&& r) {
  if (!r) throw ChannelError(r.error().message);
  return std::move(r).value();
}

constexpr std::array<const char*, 21> kActionNames = {"none",
                                                      "add",
                                                      "replace",
                                                      "cancel",
                                                      "delete",
                                                      "execute",
                                                      "execute_with_price",
                                                      "trade",
                                                      "cross",
                                                      "broken_trade",
                                                      "status",
                                                      "directory",
                                                      "gap",
                                                      "undecodable",
                                                      "imbalance",
                                                      "auction_collar",
                                                      "ipo_quoting",
                                                      "mwcb_levels",
                                                      "price_discovery",
                                                      "retail_interest",
                                                      "participant_position"};
static_assert(static_cast<std::size_t>(Action::kParticipantPosition) + 1 == kActionNames.size());

// What a waiting read does between empty polls (GIL released): a short spin, then 20 us sleeps
// (a shared-core friendly idle; the clock is read every Receiver::kPollsPerClockCheck polls, so
// a timeout overshoots by at most ~3 ms).
struct SleepIdle {
  unsigned spins = 0;
  void operator()() noexcept {
    if (spins < 256) {
      ++spins;
      return;
    }
    const timespec ts{0, 20'000};
    ::nanosleep(&ts, nullptr);
  }
};

std::chrono::nanoseconds seconds_to_ns(double s) {
  if (!(s >= 0) || !std::isfinite(s)) throw py::value_error("a duration must be finite and >= 0");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

// ---- channels ------------------------------------------------------------------------------

struct ReadResult {
  std::size_t n = 0;
  std::optional<ProducerChange> change;  // set when a wait timed out (poll_producer's answer)
};

// The type-erased receiver behind ichannel.Channel.
class ChannelImplBase {
 public:
  virtual ~ChannelImplBase() = default;
  // Copies up to `max` records (record_size bytes each) to out, ring seqs to seqs (if not null).
  // Waits up to `timeout` for the first one. Called without the GIL.
  virtual ReadResult read(unsigned char* out, std::uint64_t* seqs, std::size_t max,
                          std::chrono::nanoseconds timeout) = 0;
  virtual std::uint64_t lost() const = 0;
  virtual std::uint64_t skipped() const = 0;
  virtual std::uint64_t next_seq() const = 0;
  virtual std::size_t capacity() const = 0;
  virtual ProducerChange poll_producer(std::optional<std::chrono::nanoseconds> stale_after) = 0;
  virtual ProducerState producer_state() const = 0;
  virtual std::uint64_t epoch() const = 0;
  virtual std::uint64_t pending_epoch() const = 0;
  virtual std::string path() const = 0;
};

// Backend: ReceiverChannel<T> or RawChannel<K>; P its payload type; the first record_size bytes
// of each payload are copied.
template <class Backend, class P>
class ChannelImpl final : public ChannelImplBase {
 public:
  ChannelImpl(Backend ch, std::size_t record_size) : ch_(std::move(ch)), size_(record_size) {}

  ReadResult read(unsigned char* out, std::uint64_t* seqs, std::size_t max,
                  std::chrono::nanoseconds timeout) override {
    ReadResult res;
    if (max == 0) return res;
    auto store = [&](const Received<P>& r) {
      std::memcpy(out + res.n * size_, &r.value, size_);
      if (seqs != nullptr) seqs[res.n] = r.seq;
      ++res.n;
    };
    if (timeout.count() > 0) {
      auto got = ch_.recv_for(timeout, SleepIdle{});
      if (!got) {
        res.change = got.producer;
        return res;
      }
      store(*got.message);
    }
    Receiver<P>& rx = ch_.receiver();
    while (res.n < max) {
      auto r = rx.try_recv();
      if (!r) break;
      store(*r);
    }
    return res;
  }
  std::uint64_t lost() const override { return rx().lost(); }
  std::uint64_t skipped() const override { return rx().skipped(); }
  std::uint64_t next_seq() const override { return rx().next_seq(); }
  std::size_t capacity() const override { return rx().capacity(); }
  ProducerChange poll_producer(std::optional<std::chrono::nanoseconds> stale_after) override {
    return stale_after ? ch_.poll_producer(*stale_after) : ch_.poll_producer();
  }
  ProducerState producer_state() const override { return ch_.producer_state(); }
  std::uint64_t epoch() const override { return ch_.epoch(); }
  std::uint64_t pending_epoch() const override { return ch_.pending_epoch(); }
  std::string path() const override { return ch_.path(); }

 private:
  const Receiver<P>& rx() const { return const_cast<Backend&>(ch_).receiver(); }
  Backend ch_;
  std::size_t size_;
};

enum class Kind { kTick, kTopOfBook, kRaw };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kTick:
      return "tick";
    case Kind::kTopOfBook:
      return "top_of_book";
    case Kind::kRaw:
      return "raw";
  }
  return "?";
}

py::dict info_dict(const ChannelInfo& i, std::chrono::nanoseconds stale_after) {
  py::dict d;
  d["name"] = i.name;
  d["path"] = i.path;
  d["type_name"] = i.type_name;
  d["payload_size"] = i.payload_size;
  d["payload_align"] = i.payload_align;
  d["slot_size"] = i.slot_size;
  d["capacity"] = i.capacity;
  d["epoch"] = i.epoch;
  d["producer_pid"] = i.producer_pid;
  d["heartbeat_ns"] = i.heartbeat_ns;
  d["heartbeat_mono_ns"] = i.heartbeat_mono_ns;
  d["last_seq"] = i.last_seq;
  d["producer_alive"] = i.producer_alive;
  // The state poll_producer would report for a receiver of this epoch: dead (no producer),
  // stale (alive, monotonic heartbeat older than stale_after), else alive.
  const char* state = "alive";
  if (!i.producer_alive) {
    state = "dead";
  } else if (i.heartbeat_mono_ns != 0) {
    const std::uint64_t now = monotonic_ns();
    if (now > i.heartbeat_mono_ns &&
        now - i.heartbeat_mono_ns > static_cast<std::uint64_t>(stale_after.count()))
      state = "stale";
  }
  d["state"] = state;
  return d;
}

py::dict change_dict(const ProducerChange& c) {
  py::dict d;
  d["from"] = to_string(c.from);
  d["to"] = to_string(c.to);
  d["epoch"] = c.epoch;
  d["changed"] = c.changed();
  return d;
}

class PyChannel {
 public:
  PyChannel(std::string name, Kind kind, std::unique_ptr<ChannelImplBase> impl, py::dtype dtype,
            ChannelInfo info, std::string dir)
      : name_(std::move(name)),
        kind_(kind),
        impl_(std::move(impl)),
        dtype_(std::move(dtype)),
        info_(std::move(info)),
        dir_(std::move(dir)) {}

  py::object read(std::size_t max_records, std::optional<double> timeout, bool with_seqs) {
    ChannelImplBase& c = impl();
    const InUse guard(*this);
    const auto wait = timeout ? seconds_to_ns(*timeout) : std::chrono::nanoseconds{0};
    py::array out(dtype_, std::vector<py::ssize_t>{static_cast<py::ssize_t>(max_records)});
    py::array_t<std::uint64_t> seqs(with_seqs ? static_cast<py::ssize_t>(max_records) : 0);
    auto* dst = static_cast<unsigned char*>(out.mutable_data());
    std::uint64_t* sq = with_seqs ? seqs.mutable_data() : nullptr;
    ReadResult r;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      // At most 100 ms without the GIL, then signals get their chance (KeyboardInterrupt).
      const auto left = deadline - std::chrono::steady_clock::now();
      const auto slice = std::min<std::chrono::nanoseconds>(
          std::max<std::chrono::nanoseconds>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(left), {}),
          std::chrono::milliseconds(100));
      {
        py::gil_scoped_release unlocked;
        r = c.read(dst, sq, max_records,
                   wait.count() > 0 ? std::max(slice, std::chrono::nanoseconds{1})
                                    : std::chrono::nanoseconds{0});
      }
      if (r.change) last_change_ = r.change;
      if (r.n > 0 || wait.count() == 0 || std::chrono::steady_clock::now() >= deadline) break;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
    py::object records = out;
    if (r.n < max_records) {
      records = out[py::slice(0, static_cast<py::ssize_t>(r.n), 1)].attr("copy")();
    }
    if (!with_seqs) return records;
    py::object s = seqs;
    if (r.n < max_records) s = seqs[py::slice(0, static_cast<py::ssize_t>(r.n), 1)].attr("copy")();
    return py::make_tuple(records, s);
  }

  py::object recv(std::optional<double> timeout) {
    py::object a = read(1, timeout, false);
    py::array arr = a;
    if (arr.size() == 0) return py::none();
    return a[py::int_(0)];
  }

  std::uint64_t lost() { return impl().lost(); }
  std::uint64_t skipped() { return impl().skipped(); }
  std::uint64_t next_seq() { return impl().next_seq(); }
  std::size_t capacity() { return impl().capacity(); }
  py::dict poll_producer(std::optional<double> stale_after) {
    std::optional<std::chrono::nanoseconds> s;
    if (stale_after) s = seconds_to_ns(*stale_after);
    const ProducerChange c = impl().poll_producer(s);
    last_change_ = c;
    return change_dict(c);
  }
  std::string producer_state() { return to_string(impl().producer_state()); }
  py::object last_poll() const {
    if (!last_change_) return py::none();
    return change_dict(*last_change_);
  }
  std::uint64_t epoch() { return impl().epoch(); }
  std::uint64_t pending_epoch() { return impl().pending_epoch(); }
  std::string path() { return impl().path(); }
  py::dict info() {
    impl();
    return info_dict(unwrap(inspect_channel(name_, dir_)), std::chrono::seconds(1));
  }
  void close() {
    if (in_use_) throw ChannelError("channel " + name_ + " is being read by another thread");
    impl_.reset();
  }
  bool closed() const { return impl_ == nullptr; }

  const std::string& name() const { return name_; }
  const char* kind() const { return kind_name(kind_); }
  py::dtype dtype() const { return dtype_; }
  const std::string& type_name() const { return info_.type_name; }
  std::uint32_t payload_size() const { return info_.payload_size; }
  std::string repr() const {
    return "<ichannel.Channel " + name_ + " kind=" + kind_name(kind_) + " type=" + info_.type_name +
           (impl_ ? "" : " closed") + ">";
  }

 private:
  ChannelImplBase& impl() {
    if (!impl_) throw ChannelError("channel " + name_ + " is closed");
    if (in_use_) throw ChannelError("channel " + name_ + " is being read by another thread");
    return *impl_;
  }
  // Marks the object busy while a read runs without the GIL: a second thread's call on the same
  // object is refused (the receiver is one-thread-at-a-time) instead of racing. Set and cleared
  // with the GIL held, so a plain bool suffices.
  struct InUse {
    explicit InUse(PyChannel& c) : c_(c) { c_.in_use_ = true; }
    ~InUse() { c_.in_use_ = false; }
    InUse(const InUse&) = delete;
    InUse& operator=(const InUse&) = delete;
    PyChannel& c_;
  };
  bool in_use_ = false;
  std::string name_;
  Kind kind_;
  std::unique_ptr<ChannelImplBase> impl_;
  py::dtype dtype_;
  ChannelInfo info_;  // the header at attach time
  std::string dir_;
  std::optional<ProducerChange> last_change_;
};

template <std::size_t K>
std::unique_ptr<ChannelImplBase> attach_raw_k(const std::string& name,
                                              const detail::PayloadInfo& info,
                                              const AttachOptions& opts) {
  auto ch = unwrap(RawChannel<K>::attach(name, info, opts));
  return std::make_unique<ChannelImpl<RawChannel<K>, RawWords<K>>>(std::move(ch), info.size);
}

template <class T>
std::unique_ptr<ChannelImplBase> attach_typed(const std::string& name, const AttachOptions& opts) {
  auto ch = unwrap(ReceiverChannel<T>::attach(name, opts));
  return std::make_unique<ChannelImpl<ReceiverChannel<T>, T>>(std::move(ch), sizeof(T));
}

PyChannel attach(const std::string& name, const std::string& kind_in,
                 std::optional<std::string> dir, double wait, const std::string& start,
                 const std::string& lap, const std::string& restart, double stale_after) {
  AttachOptions opts;
  opts.dir = dir.value_or("");
  opts.wait = std::chrono::duration_cast<std::chrono::milliseconds>(seconds_to_ns(wait));
  if (start == "oldest") {
    opts.start_at_oldest = true;
  } else if (start != "next") {
    throw py::value_error("start must be 'next' or 'oldest', not '" + start + "'");
  }
  if (lap == "oldest") {
    opts.lap = LapPolicy::kOldest;
  } else if (lap != "newest") {
    throw py::value_error("lap must be 'newest' or 'oldest', not '" + lap + "'");
  }
  if (restart == "skip") {
    opts.restart = RestartPolicy::kSkip;
  } else if (restart != "drain") {
    throw py::value_error("restart must be 'drain' or 'skip', not '" + restart + "'");
  }
  opts.stale_after = seconds_to_ns(stale_after);

  Kind kind;
  if (kind_in == "tick") {
    kind = Kind::kTick;
  } else if (kind_in == "top_of_book") {
    kind = Kind::kTopOfBook;
  } else if (kind_in == "raw" || kind_in == "auto") {
    kind = Kind::kRaw;
  } else {
    throw py::value_error("kind must be 'auto', 'tick', 'top_of_book' or 'raw', not '" + kind_in +
                          "'");
  }

  std::unique_ptr<ChannelImplBase> impl;
  ChannelInfo info;
  py::dtype dtype;
  {
    py::gil_scoped_release unlocked;  // attach may wait (opts.wait)
    if (kind != Kind::kRaw) {
      impl = kind == Kind::kTick ? attach_typed<Tick>(name, opts)
                                 : attach_typed<TopOfBook>(name, opts);
    } else {
      // The header says what the payload is: wait for the file like attach would, then read it.
      if (opts.wait.count() > 0) {
        const auto deadline = std::chrono::steady_clock::now() + opts.wait;
        while (!inspect_channel(name, opts.dir) && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      auto r = inspect_channel(name, opts.dir);
      if (!r) throw ChannelError(r.error().message);  // inspect_channel's own message
      info = *r;
      if (kind_in == "auto" && info.type_name == PayloadTypeName<Tick>::value) {
        kind = Kind::kTick;
        impl = attach_typed<Tick>(name, opts);
      } else if (kind_in == "auto" && info.type_name == PayloadTypeName<TopOfBook>::value) {
        kind = Kind::kTopOfBook;
        impl = attach_typed<TopOfBook>(name, opts);
      } else {
        const detail::PayloadInfo p{info.type_name, info.payload_size, info.payload_align,
                                    info.slot_size};
        switch (info.slot_size) {
          case 64:
            impl = attach_raw_k<7>(name, p, opts);
            break;
          case 128:
            impl = attach_raw_k<15>(name, p, opts);
            break;
          case 256:
            impl = attach_raw_k<31>(name, p, opts);
            break;
          case 512:
            impl = attach_raw_k<63>(name, p, opts);
            break;
          default:
            throw ChannelError("channel " + name + ": slot size " + std::to_string(info.slot_size) +
                               ", raw reading supports 64, 128, 256 and 512");
        }
      }
    }
    if (info.type_name.empty()) {  // typed attach: the header for the metadata properties
      if (auto r = inspect_channel(name, opts.dir)) info = *r;
    }
    if (info.type_name.empty()) {  // (replaced meanwhile) what the attach checked
      info.type_name =
          kind == Kind::kTick ? PayloadTypeName<Tick>::value : PayloadTypeName<TopOfBook>::value;
      info.payload_size = kind == Kind::kTick ? sizeof(Tick) : sizeof(TopOfBook);
    }
  }
  switch (kind) {
    case Kind::kTick:
      dtype = tick_dtype();
      break;
    case Kind::kTopOfBook:
      dtype = top_of_book_dtype();
      break;
    case Kind::kRaw:
      dtype = raw_dtype(info.payload_size);
      break;
  }
  return PyChannel(name, kind, std::move(impl), dtype, std::move(info), opts.dir);
}

// ---- the book table ------------------------------------------------------------------------

std::string trimmed(const char* p, std::size_t n) {
  std::string s(p, ::strnlen(p, n));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string char_or_empty(std::uint8_t c) {
  return c == 0 ? std::string() : std::string(1, static_cast<char>(c));
}

class PyBookTable {
 public:
  PyBookTable(const std::string& name, std::optional<std::string> dir, double wait,
              std::uint32_t depth, std::uint32_t instruments)
      : name_(name) {
    BookTableAttachOptions o;
    o.dir = dir.value_or("");
    o.wait = std::chrono::duration_cast<std::chrono::milliseconds>(seconds_to_ns(wait));
    o.depth = depth;
    o.instruments = instruments;
    std::optional<Result<BookTableReader>> r;
    {
      py::gil_scoped_release unlocked;
      r.emplace(BookTableReader::attach(name, o));
    }
    reader_ = std::make_unique<BookTableReader>(unwrap(std::move(*r)));
  }

  py::dict read(std::uint32_t instrument) {
    const BookTableReader& t = reader();
    auto snap = std::make_unique<BookSnapshot>();
    const BookRead how = t.try_read(instrument, *snap);
    if (how == BookRead::kOutOfRange) {
      throw py::index_error("book table " + name_ + ": instrument " + std::to_string(instrument) +
                            " out of range (instruments " + std::to_string(t.instruments()) + ")");
    }
    if (how == BookRead::kBusy) {
      throw ChannelError("book table " + name_ + ": instrument " + std::to_string(instrument) +
                         " stayed busy for " + std::to_string(BookTableReader::kReadTries) +
                         " attempts");
    }
    const BookSnapshot& s = *snap;
    py::dict d;
    d["instrument"] = s.instrument;
    d["seq"] = s.seq;
    d["exch_ns"] = s.exch_ns;
    d["version"] = s.version;
    d["symbol"] = trimmed(s.symbol, sizeof s.symbol);
    d["trading_state"] = char_or_empty(s.trading_state);
    d["reg_sho"] = char_or_empty(s.reg_sho);
    d["op_halt"] = char_or_empty(s.op_halt);
    d["halt_reason"] = trimmed(s.halt_reason, sizeof s.halt_reason);
    d["flags"] = s.flags;
    d["known"] = s.known();
    d["possibly_wrong"] = s.possibly_wrong();
    d["bid_orders"] = s.bid_orders;
    d["ask_orders"] = s.ask_orders;
    d["bid_levels"] = s.bid_levels;
    d["ask_levels"] = s.ask_levels;
    d["luld_ref"] = s.luld_ref;
    d["luld_lower"] = s.luld_lower;
    d["luld_upper"] = s.luld_upper;
    const py::dtype level = book_level_dtype();
    auto side = [&](const BookLevel* levels, std::uint8_t n) {
      py::array a(level, std::vector<py::ssize_t>{static_cast<py::ssize_t>(n)});
      if (n > 0) std::memcpy(a.mutable_data(), levels, n * sizeof(BookLevel));
      return a;
    };
    d["bids"] = side(s.bids, s.bid_depth);
    d["asks"] = side(s.asks, s.ask_depth);
    return d;
  }

  py::dict feed_state() {
    const BookFeedState f = reader().feed_state();
    py::dict d;
    d["last_seq"] = f.last_seq;
    d["flags"] = f.flags;
    d["possibly_wrong"] = f.possibly_wrong();
    d["sessions"] = f.sessions;
    d["session"] = std::string(f.session, ::strnlen(f.session, sizeof f.session));
    return d;
  }

  std::uint64_t last_seq() { return reader().last_seq(); }
  bool producer_alive() { return reader().producer_alive(); }
  std::uint64_t heartbeat_ns() { return reader().heartbeat_ns(); }
  std::uint64_t heartbeat_mono_ns() { return reader().heartbeat_mono_ns(); }
  std::uint32_t depth() { return reader().depth(); }
  std::uint32_t instruments() { return reader().instruments(); }
  std::uint64_t epoch() { return reader().epoch(); }
  std::int32_t producer_pid() { return reader().producer_pid(); }
  std::uint64_t created_ns() { return reader().created_ns(); }
  std::uint32_t feed_index() { return reader().feed_index(); }
  std::string feed_name() { return std::string(reader().feed_name()); }
  std::string path() { return reader().path(); }
  const std::string& name() const { return name_; }
  void close() { reader_.reset(); }

 private:
  const BookTableReader& reader() {
    if (!reader_) throw ChannelError("book table " + name_ + " is closed");
    return *reader_;
  }
  std::string name_;
  std::unique_ptr<BookTableReader> reader_;
};

}  // namespace
}  // namespace ichannel::python

PYBIND11_MODULE(ichannel, m) {
  using namespace ichannel;
  using namespace ichannel::python;
  namespace a = pybind11::literals;
  using py::arg;

  m.doc() = "Read-only access to ichannel channels and book tables (docs/python.md).";

  if (!head_layout_ok<Tick>() || !head_layout_ok<TopOfBook>()) {
    throw std::runtime_error(
        "ichannel: this compiler does not lay out exch_ns:48 | feed:8 | flags:8 as one "
        "little-endian word at bytes 8..15; the dtype would lie");
  }

  static py::exception<ChannelError> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ChannelError& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });

  m.attr("TICK_DTYPE") = tick_dtype();
  m.attr("TOP_OF_BOOK_DTYPE") = top_of_book_dtype();
  m.attr("BOOK_LEVEL_DTYPE") = book_level_dtype();
  m.attr("TICK_TYPE_NAME") = std::string(PayloadTypeName<Tick>::value);
  m.attr("TOP_OF_BOOK_TYPE_NAME") = std::string(PayloadTypeName<TopOfBook>::value);
  m.attr("TICK_LAYOUT_VERSION") = kTickLayoutVersion;
  m.attr("TOP_OF_BOOK_LAYOUT_VERSION") = kTopOfBookLayoutVersion;
  m.attr("PRICE_SCALE") = kPriceScale;
  m.attr("EXCH_NS_MASK") = kExchNsMask;
  m.attr("TICK_RECOVERED") = kTickRecovered;
  m.attr("TICK_LAST_IN_PACKET") = kTickLastInPacket;
  m.attr("TICK_AFTER_GAP") = kTickAfterGap;
  m.attr("TICK_SNAPSHOT") = kTickSnapshot;
  m.attr("BOOK_POSSIBLY_WRONG") = kBookPossiblyWrong;
  m.attr("BOOK_KNOWN") = kBookKnown;
  m.attr("TOB_BID_CHANGED") = kTobBidChanged;
  m.attr("TOB_ASK_CHANGED") = kTobAskChanged;
  m.attr("TOB_STATUS_CHANGED") = kTobStatusChanged;
  m.attr("TOB_MARK_CHANGED") = kTobMarkChanged;
  m.attr("TOB_RESET") = kTobReset;
  m.attr("TOB_SNAPSHOT") = kTobSnapshot;
  py::tuple names(kActionNames.size());
  for (std::size_t i = 0; i < kActionNames.size(); ++i) names[i] = kActionNames[i];
  m.attr("ACTION_NAMES") = names;  // index = Tick.action value

  // The head word's bit-fields, derived (record_dtype.hpp says why they are not dtype fields).
  m.def(
      "exch_ns",
      [](py::array records) {
        return py::module_::import("numpy").attr("bitwise_and")(records[py::str("head")],
                                                                py::int_(kExchNsMask));
      },
      arg("records"), "exch_ns of Tick / TopOfBook records: head & EXCH_NS_MASK (uint64).");
  m.def(
      "feed",
      [](py::array records) {
        py::object h = records[py::str("head")];
        return (h.attr("__rshift__")(py::int_(48)).attr("__and__")(py::int_(0xff)))
            .attr("astype")("u1");
      },
      arg("records"), "feed of Tick / TopOfBook records: (head >> 48) & 0xff (uint8).");
  m.def(
      "flags",
      [](py::array records) {
        py::object h = records[py::str("head")];
        return h.attr("__rshift__")(py::int_(56)).attr("astype")("u1");
      },
      arg("records"), "flags of Tick / TopOfBook records: head >> 56 (uint8).");
  m.def("default_channel_dir", &default_channel_dir);
  m.def(
      "inspect_channel",
      [](const std::string& name, std::optional<std::string> dir, double stale_after) {
        return info_dict(unwrap(inspect_channel(name, dir.value_or(""))),
                         seconds_to_ns(stale_after));
      },
      arg("name"), arg("dir") = py::none(), arg("stale_after") = 1.0);
  m.def(
      "list_channels",
      [](std::optional<std::string> dir, double stale_after) {
        py::list out;
        for (const ChannelInfo& i : list_channels(dir.value_or("")))
          out.append(info_dict(i, seconds_to_ns(stale_after)));
        return out;
      },
      arg("dir") = py::none(), arg("stale_after") = 1.0);

  py::class_<PyChannel>(m, "Channel")
      .def("read", &PyChannel::read, arg("max_records") = 4096, arg("timeout") = py::none(),
           arg("seqs") = false)
      .def("recv", &PyChannel::recv, arg("timeout") = py::none())
      .def("lost", &PyChannel::lost)
      .def("skipped", &PyChannel::skipped)
      .def("next_seq", &PyChannel::next_seq)
      .def("poll_producer", &PyChannel::poll_producer, arg("stale_after") = py::none())
      .def("info", &PyChannel::info)
      .def("close", &PyChannel::close)
      .def("__enter__", [](PyChannel& c) -> PyChannel& { return c; })
      .def("__exit__", [](PyChannel& c, py::args) { c.close(); })
      .def("__repr__", &PyChannel::repr)
      .def_property_readonly("producer_state", &PyChannel::producer_state)
      .def_property_readonly("last_poll", &PyChannel::last_poll)
      .def_property_readonly("capacity", &PyChannel::capacity)
      .def_property_readonly("epoch", &PyChannel::epoch)
      .def_property_readonly("pending_epoch", &PyChannel::pending_epoch)
      .def_property_readonly("path", &PyChannel::path)
      .def_property_readonly("name", &PyChannel::name)
      .def_property_readonly("kind", &PyChannel::kind)
      .def_property_readonly("dtype", &PyChannel::dtype)
      .def_property_readonly("type_name", &PyChannel::type_name)
      .def_property_readonly("payload_size", &PyChannel::payload_size)
      .def_property_readonly("closed", &PyChannel::closed);

  m.def("attach", &attach, arg("name"), arg("kind") = "auto", arg("dir") = py::none(),
        arg("wait") = 0.0, arg("start") = "next", arg("lap") = "newest", arg("restart") = "drain",
        arg("stale_after") = 1.0, "Attach a channel read-only (docs/python.md).");

  py::class_<PyBookTable>(m, "BookTable")
      .def(py::init<const std::string&, std::optional<std::string>, double, std::uint32_t,
                    std::uint32_t>(),
           arg("name"), arg("dir") = py::none(), arg("wait") = 0.0, arg("depth") = 0,
           arg("instruments") = 0)
      .def("read", &PyBookTable::read, arg("instrument"))
      .def("feed_state", &PyBookTable::feed_state)
      .def("last_seq", &PyBookTable::last_seq)
      .def("producer_alive", &PyBookTable::producer_alive)
      .def("close", &PyBookTable::close)
      .def("__enter__", [](PyBookTable& t) -> PyBookTable& { return t; })
      .def("__exit__", [](PyBookTable& t, py::args) { t.close(); })
      .def_property_readonly("heartbeat_ns", &PyBookTable::heartbeat_ns)
      .def_property_readonly("heartbeat_mono_ns", &PyBookTable::heartbeat_mono_ns)
      .def_property_readonly("depth", &PyBookTable::depth)
      .def_property_readonly("instruments", &PyBookTable::instruments)
      .def_property_readonly("epoch", &PyBookTable::epoch)
      .def_property_readonly("producer_pid", &PyBookTable::producer_pid)
      .def_property_readonly("created_ns", &PyBookTable::created_ns)
      .def_property_readonly("feed_index", &PyBookTable::feed_index)
      .def_property_readonly("feed_name", &PyBookTable::feed_name)
      .def_property_readonly("path", &PyBookTable::path)
      .def_property_readonly("name", &PyBookTable::name);
}
