// Memory for large result arrays, kept for the next result when an array is
// freed.
//
// A batch of encoded vectors is often hundreds of megabytes. The C library
// gives a block that large back to the system when it is freed. The next
// batch then gets new pages, and the system zeroes every one of them on first
// touch. For an encoder that writes each row once, that zeroing can cost as
// much as the encoding itself, and two threads faulting pages in at once slow
// each other down further. So results of kMinKeptResultBytes or more come from
// blocks this file keeps: when a result's array is freed, its block waits
// here (up to a limit on the bytes kept) for the next result that fits it.
//
// Contents are not cleared between uses, like numpy.empty: every caller
// writes all of its output.
#pragma once
#include <pybind11/numpy.h>

#include <cstddef>
#include <vector>

namespace deltaform::bindings {

namespace py = pybind11;

// Results smaller than this come from numpy: the C library keeps freed blocks
// of this size itself.
inline constexpr std::size_t kMinKeptResultBytes = std::size_t(16) << 20;

// An uninitialised C-contiguous array, from a kept block when it is large.
py::array new_result_array(const py::dtype& dtype, const std::vector<py::ssize_t>& shape);

// Bytes of freed blocks kept at most (the default is 1 GiB; 0 keeps none).
// Returns the previous limit; blocks beyond a lower limit are freed at once.
std::size_t set_kept_result_limit(std::size_t bytes);
// Frees every kept block; returns the bytes given back to the system.
std::size_t release_kept_results();
// (bytes kept now, blocks kept now)
std::pair<std::size_t, std::size_t> kept_results();

}  // namespace deltaform::bindings
