package web

// backofficeRoutes: a tenant's back office.
func (s *Server) backofficeRoutes() []route { return nil }
