package xpaytest

import "time"

// AddLinkAt holds a link created at at without a request, for benchmarks
// that need many.
func (s *Server) AddLinkAt(code string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.holdLink(&link{code: code, origin: code, amount: 100, token: newToken(), created: at, expires: at.Add(time.Hour),
		returnURL: "https://shop.example/esito"}); err != nil {
		panic(err)
	}
}
