// Errors the core reports. The bindings translate them to Python exceptions:
// InvalidArgument -> ValueError, everything else derived from Error -> RuntimeError.
#pragma once
#include <stdexcept>
#include <string>

namespace deltaform {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct InvalidArgument : Error {
  using Error::Error;
};

}  // namespace deltaform
