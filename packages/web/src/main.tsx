import { Navigate, Route, Router } from "@solidjs/router";
import { render } from "solid-js/web";
import { Layout } from "./components/Layout.tsx";
import { EventsPage } from "./routes/events.tsx";
import { ReportsPage } from "./routes/reports.tsx";
import { RuleDeliveriesPage } from "./routes/rule-deliveries.tsx";
import { RulesPage } from "./routes/rules.tsx";
import { SignInPage } from "./routes/sign-in.tsx";
import { TrailsPage } from "./routes/trails.tsx";
import { loadMe } from "./session.ts";
import "./styles.css";

void loadMe();

render(
  () => (
    <Router>
      <Route path="/signin" component={SignInPage} />
      <Route path="/" component={Layout}>
        <Route path="/" component={() => <Navigate href="/events" />} />
        <Route path="/events" component={EventsPage} />
        <Route path="/reports" component={ReportsPage} />
        <Route path="/trails" component={TrailsPage} />
        <Route path="/rules" component={RulesPage} />
        <Route path="/rules/:name" component={RuleDeliveriesPage} />
        <Route path="*" component={() => <Navigate href="/events" />} />
      </Route>
    </Router>
  ),
  document.getElementById("root")!,
);
