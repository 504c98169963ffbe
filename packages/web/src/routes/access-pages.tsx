/** The pages shown instead of a view when the user may not use it. */
export function NoAccessPage(props: { user: string; account: string }) {
  return (
    <section class="notice-page" aria-labelledby="no-access-title">
      <div class="notice-icon notice-icon-lock" aria-hidden="true" />
      <h1 id="no-access-title">You have no access to the Activity log</h1>
      <p>
        User <strong>{props.user}</strong> is not a member of the group <code>ActivityLogAdministrators</code> in any project of account{" "}
        <strong>{props.account}</strong>.
      </p>
      <p>
        Ask an administrator of the account to add you to that group in any project; membership gives access to the events, trails and reports of all projects.
      </p>
    </section>
  );
}

export function SubscriptionInactivePage(props: { account: string }) {
  return (
    <section class="notice-page" aria-labelledby="subscription-title">
      <div class="notice-icon notice-icon-pause" aria-hidden="true" />
      <h1 id="subscription-title">The Activity log subscription is not active</h1>
      <p>
        The subscription of account <strong>{props.account}</strong> is inactive, so events, reports and trails cannot be viewed. Events are still being
        recorded, and archives already delivered stay in their buckets.
      </p>
      <p>Ask an administrator of the account to activate the subscription; everything becomes available again at once.</p>
    </section>
  );
}
