// app/stats/atomic_file.hpp: replace a file's content atomically (node_exporter textfile
// collector: the daemon's statistics.prometheus_file and ichannel-stat --prometheus-file).
//
// Contract
// - write_file_atomically(path, content) writes "PATH.tmp.<pid>" in the same directory, created
//   with O_CREAT|O_EXCL|O_NOFOLLOW (a leftover of an earlier crash of this pid is unlinked first;
//   a symlink planted under that name is never followed), fsyncs it, sets mode 0644 and
//   rename()s it over PATH, so a reader (node_exporter) sees either the old or the new file,
//   never a partial one. Returns an error message naming the path, or "" on success.
// - Cold path: syscalls, allocation. Not for concurrent writers of the same PATH in one process.
#pragma once

#include <string>
#include <string_view>

namespace ichannel::stats {

[[nodiscard]] std::string write_file_atomically(const std::string& path, std::string_view content);

}  // namespace ichannel::stats
