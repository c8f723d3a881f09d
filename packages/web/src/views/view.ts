/** A page of the dashboard: built once, refreshed by the poller, disposed when the user leaves. */
export interface View {
  readonly element: HTMLElement;
  refresh(): Promise<void>;
  dispose?(): void;
}
