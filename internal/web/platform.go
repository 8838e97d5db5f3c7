package web

// platformRoutes: the consortium operator's console.
func (s *Server) platformRoutes() []route { return nil }
