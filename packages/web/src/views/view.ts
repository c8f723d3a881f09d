/** A page of the dashboard: built once, refreshed by the poller, disposed when the user leaves. */
export interface View {
  readonly element: HTMLElement;
  /** What the browser tab says while the view is open. */
  readonly title: string;
  refresh(): Promise<void>;
  dispose?(): void;
}
