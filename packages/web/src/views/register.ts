import { ApiError, api } from "../api.js";
import { DEVICE_TYPE_NAMES } from "../device-types.js";
import { h } from "../dom.js";

/** What registering answers: a token from fleetline dev, or a certificate and key (and the local CA). */
type Created = { thing: string; type: string } & (
  | { token: string }
  | { certificateArn: string; certificatePem: string; privateKey: string; caPem?: string }
);

/** A link that saves `text` as a file, as `fleetline devices add --certs` writes it. */
function download(name: string, text: string): HTMLAnchorElement {
  const url = URL.createObjectURL(new Blob([text], { type: "application/x-pem-file" }));
  return h("a", { href: url, download: name, "data-download": name }, name);
}

/**
 * Registering a device from the dashboard (`POST /api/things`): a token, or a certificate with its
 * key and the CA to download — shown once, as on AWS IoT.
 */
export function registerForm(onRegistered: () => void): HTMLElement {
  const thing = h("input", {
    name: "thing",
    placeholder: "thing name, e.g. fs-42",
    required: true,
    pattern: "[A-Za-z0-9_-]{1,64}",
  });
  const type = h(
    "select",
    { name: "type" },
    ...DEVICE_TYPE_NAMES.map((name) => h("option", { value: name }, name)),
  );
  const credential = h(
    "select",
    { name: "credentials" },
    h("option", { value: "token" }, "a token (MQTT, port 1883)"),
    h("option", { value: "certificate" }, "a certificate (mutual TLS, port 8883)"),
  );
  const result = h("div", { class: "registered", "data-registered": "" });
  const form = h(
    "form",
    { class: "register", "data-register": "" },
    thing,
    type,
    credential,
    h("button", { type: "submit" }, "Register"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.className = "registered";
    try {
      const created = await api.post<Created>("/api/things", {
        thing: thing.value.trim(),
        type: type.value,
        credentials: credential.value,
      });
      if ("token" in created)
        result.replaceChildren(
          h("p", {}, `Registered ${created.thing} (${created.type}). Its token, shown this once:`),
          h("pre", { "data-token": "" }, created.token),
        );
      else
        result.replaceChildren(
          h(
            "p",
            {},
            `Registered ${created.thing} (${created.type}). Its certificate and key, offered this once:`,
          ),
          h(
            "p",
            { class: "downloads" },
            download(`${created.thing}.cert.pem`, created.certificatePem),
            download(`${created.thing}.private.key`, created.privateKey),
            ...(created.caPem ? [download("fleetline-ca.pem", created.caPem)] : []),
          ),
        );
      thing.value = "";
      onRegistered();
    } catch (error) {
      result.className = "registered error";
      result.textContent = error instanceof ApiError ? error.message : String(error);
    }
  });
  return h("details", { class: "card register-card" }, h("summary", {}, "Register a device"), form, result);
}
