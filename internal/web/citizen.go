package web

// citizenRoutes: citizen sign-in through OpenID Connect and the personal area.
func (s *Server) citizenRoutes() []route { return nil }
