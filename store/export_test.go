package store

// SetSearchCandidates lowers the most matches a search ranks, for a test of a search that
// matches more; the returned function puts it back.
func SetSearchCandidates(n int) (restore func()) {
	old := searchCandidates
	searchCandidates = n
	return func() { searchCandidates = old }
}
