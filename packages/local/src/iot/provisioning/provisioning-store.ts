import type { Database } from "../../stores/database.js";

/** A provisioning template as AWS IoT describes it. Times are epoch milliseconds. */
export interface TemplateRecord {
  templateName: string;
  description?: string;
  templateBody: string;
  enabled: boolean;
  provisioningRoleArn: string;
  preProvisioningHook?: { targetArn: string; payloadVersion?: string };
  creationDate: number;
  lastModifiedDate: number;
}

/** A claim certificate: it may connect until `notAfter` and provision with its template only. */
export interface ClaimRecord {
  fingerprint: string;
  templateName: string;
  notAfter: number;
}

/** A certificate made for a device holding a claim, not registered yet: its ownership token runs out at `expiresAt`. */
export interface PendingCertificate {
  certificateId: string;
  certificatePem: string;
  tokenHash: string;
  notAfter: number;
  expiresAt: number;
  /** The claim it was made for. */
  claim: string;
}

/**
 * Fleet provisioning's state in DuckDB, read from memory: templates, claim certificates, and the
 * certificates waiting for RegisterThing.
 */
export class ProvisioningStore {
  private constructor(
    private readonly db: Database,
    readonly templates: Map<string, TemplateRecord>,
    readonly claims: Map<string, ClaimRecord>,
    /** By ownership-token hash. */
    readonly pending: Map<string, PendingCertificate>,
  ) {}

  static async open(db: Database): Promise<ProvisioningStore> {
    await db.run(
      "CREATE TABLE IF NOT EXISTS provisioning_templates (name VARCHAR PRIMARY KEY, record VARCHAR NOT NULL)",
    );
    await db.run(`CREATE TABLE IF NOT EXISTS provisioning_claims (
      fingerprint VARCHAR PRIMARY KEY, template VARCHAR NOT NULL, not_after BIGINT NOT NULL)`);
    await db.run(
      "CREATE TABLE IF NOT EXISTS provisioning_pending (token_hash VARCHAR PRIMARY KEY, record VARCHAR NOT NULL)",
    );
    const templates = new Map<string, TemplateRecord>();
    for (const row of await db.all<{ name: string; record: string }>(
      "SELECT name, record FROM provisioning_templates",
    ))
      templates.set(row.name, JSON.parse(row.record) as TemplateRecord);
    const claims = new Map<string, ClaimRecord>();
    for (const row of await db.all<{ fingerprint: string; template: string; not_after: bigint }>(
      "SELECT fingerprint, template, not_after FROM provisioning_claims",
    ))
      claims.set(row.fingerprint, {
        fingerprint: row.fingerprint,
        templateName: row.template,
        notAfter: Number(row.not_after),
      });
    const pending = new Map<string, PendingCertificate>();
    for (const row of await db.all<{ token_hash: string; record: string }>(
      "SELECT token_hash, record FROM provisioning_pending",
    ))
      pending.set(row.token_hash, JSON.parse(row.record) as PendingCertificate);
    return new ProvisioningStore(db, templates, claims, pending);
  }

  async putTemplate(record: TemplateRecord): Promise<void> {
    await this.db.run("INSERT OR REPLACE INTO provisioning_templates VALUES ($name, $record)", {
      name: record.templateName,
      record: JSON.stringify(record),
    });
    this.templates.set(record.templateName, record);
  }

  async deleteTemplate(name: string): Promise<void> {
    await this.db.run("DELETE FROM provisioning_templates WHERE name = $name", { name });
    this.templates.delete(name);
  }

  async putClaim(claim: ClaimRecord): Promise<void> {
    await this.db.run("INSERT INTO provisioning_claims VALUES ($fingerprint, $template, $notAfter)", {
      fingerprint: claim.fingerprint,
      template: claim.templateName,
      notAfter: BigInt(claim.notAfter),
    });
    this.claims.set(claim.fingerprint, claim);
  }

  async deleteClaim(fingerprint: string): Promise<void> {
    await this.db.run("DELETE FROM provisioning_claims WHERE fingerprint = $fingerprint", { fingerprint });
    this.claims.delete(fingerprint);
  }

  async putPending(certificate: PendingCertificate): Promise<void> {
    await this.db.run("INSERT INTO provisioning_pending VALUES ($hash, $record)", {
      hash: certificate.tokenHash,
      record: JSON.stringify(certificate),
    });
    this.pending.set(certificate.tokenHash, certificate);
  }

  async deletePending(tokenHash: string): Promise<void> {
    await this.db.run("DELETE FROM provisioning_pending WHERE token_hash = $hash", { hash: tokenHash });
    this.pending.delete(tokenHash);
  }
}
