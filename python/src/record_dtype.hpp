// python/src/record_dtype.hpp: the numpy dtypes of the ring's records, generated from the C++
// layout (offsetof / sizeof), so the Python view of a record can never drift from the header.
//
// Contract
// - Every dtype is a numpy structured dtype {names, formats, offsets, itemsize} whose itemsize is
//   sizeof(record) and whose field offsets come from offsetof on the C++ struct. A record is
//   copied into an array of that dtype byte for byte (no conversion).
// - Tick / TopOfBook bytes 8..15 are three bit-fields (exch_ns:48 | feed:8 | flags:8, one
//   little-endian word: tick.hpp head_word). offsetof cannot name a bit-field, so the dtype holds
//   the whole word as `head` (u8 right after recv_ns); exch_ns, feed and flags are derived from
//   it by the module functions exch_ns() / feed() / flags() (head & kExchNsMask, byte 6, byte 7).
//   They are deliberately not overlapping dtype fields: numpy (>= 1.23) repacks a structured
//   dtype with overlapping fields or padding when arrays are combined (np.concatenate), which
//   would silently change the layout. Every dtype here is packed (the fields tile the itemsize),
//   so it survives every numpy operation unchanged. head_layout_ok() proves at import time that
//   the compiler put the bit-fields where head_word() says (the module refuses to load
//   otherwise).
// - Cold: built once at import. Needs the GIL (creates Python objects).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

namespace ichannel::python {

namespace py = pybind11;

struct FieldSpec {
  const char* name;
  std::string format;  // numpy type string, e.g. "<u8"
  std::size_t offset;
};

template <class M>
std::string numpy_format() {
  static_assert(std::endian::native == std::endian::little, "records are little-endian");
  if constexpr (std::is_same_v<M, char>) {
    return "S1";
  } else if constexpr (std::is_enum_v<M>) {
    return numpy_format<std::underlying_type_t<M>>();
  } else {
    return std::string(std::is_signed_v<M> ? "<i" : "<u") + std::to_string(sizeof(M));
  }
}

inline py::dtype make_dtype(const std::vector<FieldSpec>& fields, std::size_t itemsize) {
  py::list names, formats, offsets;
  for (const FieldSpec& f : fields) {
    names.append(f.name);
    formats.append(f.format);
    offsets.append(f.offset);
  }
  py::dict spec;
  spec["names"] = names;
  spec["formats"] = formats;
  spec["offsets"] = offsets;
  spec["itemsize"] = itemsize;
  return py::dtype::from_args(spec);
}

#define ICHANNEL_PY_FIELD(T, f)                          \
  FieldSpec {                                            \
#f, numpy_format < decltype(T::f)>(), offsetof(T, f) \
  }

// The head word: right after recv_ns (both records start with recv_ns, then the bit-fields).
template <class R>
constexpr std::size_t head_offset() noexcept {
  return offsetof(R, recv_ns) + sizeof(R::recv_ns);
}
static_assert(head_offset<Tick>() == 8 && offsetof(Tick, seq) == head_offset<Tick>() + 8);
static_assert(head_offset<TopOfBook>() == 8 &&
              offsetof(TopOfBook, seq) == head_offset<TopOfBook>() + 8);
inline constexpr std::size_t kFeedByte = 6;   // feed << 48: byte 6 of the little-endian word
inline constexpr std::size_t kFlagsByte = 7;  // flags << 56: byte 7

// True iff assigning the bit-fields (not set_head: the compiler's own layout) lands them in
// bytes 8..15 as exch_ns | feed << 48 | flags << 56.
template <class R>
bool head_layout_ok() noexcept {
  R r{};
  r.exch_ns = 0x123456789abcull;
  r.feed = 0x5a;
  r.flags = 0xc3;
  unsigned char bytes[sizeof(R)];
  std::memcpy(bytes, &r, sizeof(R));
  std::uint64_t w;
  std::memcpy(&w, bytes + head_offset<R>(), 8);
  return w == head_word(0x123456789abcull, 0x5a, 0xc3) &&
         bytes[head_offset<R>() + kFeedByte] == 0x5a &&
         bytes[head_offset<R>() + kFlagsByte] == 0xc3;
}

template <class R>
FieldSpec head_field() {
  return FieldSpec{"head", "<u8", head_offset<R>()};
}

inline py::dtype tick_dtype() {
  std::vector<FieldSpec> f{ICHANNEL_PY_FIELD(Tick, recv_ns)};
  f.push_back(head_field<Tick>());
  for (auto x : {ICHANNEL_PY_FIELD(Tick, seq), ICHANNEL_PY_FIELD(Tick, order_id),
                 ICHANNEL_PY_FIELD(Tick, aux), ICHANNEL_PY_FIELD(Tick, price),
                 ICHANNEL_PY_FIELD(Tick, qty), ICHANNEL_PY_FIELD(Tick, instrument),
                 ICHANNEL_PY_FIELD(Tick, action), ICHANNEL_PY_FIELD(Tick, side)})
    f.push_back(x);
  return make_dtype(f, sizeof(Tick));
}

inline py::dtype top_of_book_dtype() {
  std::vector<FieldSpec> f{ICHANNEL_PY_FIELD(TopOfBook, recv_ns)};
  f.push_back(head_field<TopOfBook>());
  for (auto x : {ICHANNEL_PY_FIELD(TopOfBook, seq), ICHANNEL_PY_FIELD(TopOfBook, bid_price),
                 ICHANNEL_PY_FIELD(TopOfBook, ask_price), ICHANNEL_PY_FIELD(TopOfBook, bid_qty),
                 ICHANNEL_PY_FIELD(TopOfBook, ask_qty), ICHANNEL_PY_FIELD(TopOfBook, bid_orders),
                 ICHANNEL_PY_FIELD(TopOfBook, ask_orders), ICHANNEL_PY_FIELD(TopOfBook, instrument),
                 ICHANNEL_PY_FIELD(TopOfBook, trading_state), ICHANNEL_PY_FIELD(TopOfBook, change)})
    f.push_back(x);
  return make_dtype(f, sizeof(TopOfBook));
}

// price / qty / orders / reserved; itemsize 24 (reserved named too: the dtype stays packed).
inline py::dtype book_level_dtype() {
  return make_dtype({ICHANNEL_PY_FIELD(BookLevel, price), ICHANNEL_PY_FIELD(BookLevel, qty),
                     ICHANNEL_PY_FIELD(BookLevel, orders), ICHANNEL_PY_FIELD(BookLevel, reserved)},
                    sizeof(BookLevel));
}

// A raw payload of `size` bytes: one opaque field; view it with your own dtype (.view(dt)).
inline py::dtype raw_dtype(std::size_t size) {
  return py::dtype("V" + std::to_string(size));
}

#undef ICHANNEL_PY_FIELD

}  // namespace ichannel::python
