package exactsim

// Inspection for test harnesses (internal/reliability): what the simulator
// knows, without spending a token call or an error of the budget.

// Refresh token states RefreshTokenState reports.
const (
	TokenCurrent  = "current"  // the chain's newest refresh token: the chain is alive
	TokenGrace    = "grace"    // the previous token, still honoured (Config.Grace)
	TokenOld      = "old"      // rotated away: using it answers "Old refresh token used."
	TokenReplaced = "replaced" // its chain was replaced by a newer login
	TokenUnknown  = "unknown"  // never issued, or forgotten
)

// RefreshTokenState tells whether tok is still the live end of its chain.
// A client holding a token that is not TokenCurrent (or TokenGrace) has lost
// its chain: only a new login helps.
func (s *Server) RefreshTokenState(tok string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.refresh[tok]
	if !ok {
		return TokenUnknown
	}
	ch := s.chains[rec.key]
	switch {
	case ch == nil || ch.gen != rec.gen:
		return TokenReplaced
	case tok == ch.refresh:
		return TokenCurrent
	case s.cfg.Grace && tok == ch.prevRefresh:
		return TokenGrace
	}
	return TokenOld
}

// ClearFaults drops every queued fault, so a harness can end an outage
// that was injected with a generous count.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults is how many token calls the queued faults would still hit.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Count
	}
	return n
}
