#include "deltaform/encode/scope.hpp"

#include "deltaform/unicode.hpp"

namespace deltaform::encode {

void Scope::add_document(const std::shared_ptr<const formula::Document>& doc) {
  for (std::uint32_t i = 0; i < doc->statements.size(); ++i) {
    const auto& st = doc->statements[i];
    if (st.kind == formula::StatementKind::Definition) add_definition({doc, i});
    else if (st.kind == formula::StatementKind::Schema) add_schema({doc, i});
  }
}

void Scope::add_definition(const Located& def) {
  std::unique_lock lock(mutex_);
  std::string name(def.doc->str(def.get().name));
  vectors_.erase(name);
  definitions_.insert_or_assign(std::move(name), def);
}

void Scope::add_schema(const Located& schema) {
  std::unique_lock lock(mutex_);
  schemas_.insert_or_assign(unicode::normalize_name(schema.doc->str(schema.get().name)), schema);
}

void Scope::add_vector(std::string_view address, const void* data, std::size_t bytes) {
  std::unique_lock lock(mutex_);
  vectors_.insert_or_assign(std::string(address), std::string(static_cast<const char*>(data), bytes));
}

void Scope::remove(std::string_view name) {
  std::unique_lock lock(mutex_);
  std::string key(name);
  definitions_.erase(key);
  schemas_.erase(unicode::normalize_name(key));
  vectors_.erase(key);
}

const Located* Scope::definition(std::string_view address) const {
  {
    std::shared_lock lock(mutex_);
    auto it = definitions_.find(std::string(address));
    if (it != definitions_.end()) return &it->second;
  }
  return parent_ ? parent_->definition(address) : nullptr;
}

const Located* Scope::schema(std::string_view name) const {
  {
    std::shared_lock lock(mutex_);
    auto it = schemas_.find(unicode::normalize_name(name));
    if (it != schemas_.end()) return &it->second;
  }
  return parent_ ? parent_->schema(name) : nullptr;
}

const std::string* Scope::vector(std::string_view address) const {
  {
    std::shared_lock lock(mutex_);
    auto it = vectors_.find(std::string(address));
    if (it != vectors_.end()) return &it->second;
    // A nearer definition hides a vector stored further up.
    if (definitions_.count(std::string(address))) return nullptr;
  }
  return parent_ ? parent_->vector(address) : nullptr;
}

std::size_t Scope::size() const {
  std::shared_lock lock(mutex_);
  return definitions_.size() + schemas_.size() + vectors_.size();
}

}  // namespace deltaform::encode
