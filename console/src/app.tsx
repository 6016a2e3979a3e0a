import { ErrorBoundary, LocationProvider, lazy, Route, Router } from 'preact-iso';
import { AcceptInvitation } from './pages/accept-invitation';
import { GraphiQLPage } from './pages/graphiql';
import { Home } from './pages/home';
import { Login } from './pages/login';
import { NotFound } from './pages/not-found';
import { ResetPassword } from './pages/reset-password';
import { Signup } from './pages/signup';
import { VerifySignup } from './pages/verify-signup';

// The admin screens are a separate chunk: public pages never load them.
const Admin = lazy(() => import('./admin/admin'));

export function App() {
  return (
    <LocationProvider>
      <ErrorBoundary>
        <Router>
          <Route path="/" component={Home} />
          <Route path="/login/:org" component={Login} />
          <Route path="/accept-invitation" component={AcceptInvitation} />
          <Route path="/reset-password" component={ResetPassword} />
          <Route path="/signup/:org" component={Signup} />
          <Route path="/verify-signup" component={VerifySignup} />
          <Route path="/graphql" component={GraphiQLPage} />
          <Route path="/admin" component={Admin} />
          <Route path="/admin/*" component={Admin} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </LocationProvider>
  );
}
