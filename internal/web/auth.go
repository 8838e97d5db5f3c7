package web

// staffAuthRoutes: staff sign-in to a tenant's back office.
func (s *Server) staffAuthRoutes() []route { return nil }

// platformAuthRoutes: operator sign-in to the platform console.
func (s *Server) platformAuthRoutes() []route { return nil }
