// open_with_env: Vault::open with the storage I/O routed through an Env.
#include "vault/open_with_env.h"

#include "base/posix_file.h"
#include "blob/file_blob_store.h"
#include "index/sqlite_index.h"

namespace custos::vault {

Result<std::unique_ptr<Vault>> open_with_env(const std::filesystem::path& root, const Clock& clock,
                                             const EnvOpenOptions& options) {
  const Layout layout{root};
  auto descriptor = Vault::describe(root);
  if (!descriptor) return fail(descriptor.error());
  blob::FileBlobStoreOptions blob_options{layout.blobs(), layout.tmp(), options.sync_threads,
                                          options.env};
  auto blobs = blob::FileBlobStore::open(blob_options);
  if (!blobs) return fail(blobs.error());
  auto index = index::SqliteIndex::open({layout.index_db(), false, options.sqlite_vfs});
  if (!index) return fail(index.error());
  std::unique_ptr<index::Index> idx = std::move(*index);
  if (options.wrap_index) idx = options.wrap_index(std::move(idx));
  return std::make_unique<Vault>(layout, *descriptor, std::move(*blobs), std::move(idx), clock);
}

}  // namespace custos::vault
