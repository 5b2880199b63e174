// The aimsc extension: starts `aimsc lsp` and shows the live outcome totals in the status bar.
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem | undefined;

interface Outcomes {
  totals: Record<string, number>;
  failing: string[];
  generation: number;
}

/** The server binary: the `aimsc.server.path` setting, else `aimsc` found on PATH. */
export function serverPath(): string | undefined {
  const configured = vscode.workspace.getConfiguration("aimsc").get<string>("server.path");
  if (configured) {
    return configured;
  }
  const exe = process.platform === "win32" ? "aimsc.exe" : "aimsc";
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, exe);
    if (dir && fs.existsSync(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function showOutcomes(o: Outcomes): void {
  if (!status) {
    return;
  }
  const pass = o.totals["pass"] ?? 0;
  const fail = o.totals["fail"] ?? 0;
  const error = o.totals["error"] ?? 0;
  const attested = o.totals["attested"] ?? 0;
  const self = attested > 0 ? ` · ${attested} attested` : "";
  status.text = fail + error > 0 ? `$(error) aimsc ${fail} fail · ${pass} pass${self}` : `$(check) aimsc ${pass} pass${self}`;
  status.tooltip = o.failing.length > 0 ? `Failing: ${o.failing.join(", ")}` : "Every applicable control passes";
  status.show();
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const command = serverPath();
  if (!command) {
    void vscode.window.showErrorMessage(
      "aimsc: the `aimsc` binary was not found. Install it (cargo install --path crates/aimsc-cli) or set `aimsc.server.path`."
    );
    return;
  }
  const asOf = vscode.workspace.getConfiguration("aimsc").get<string>("asOf");
  const serverOptions: ServerOptions = { command, args: ["lsp"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "aims" },
      { scheme: "file", pattern: "**/*.{yaml,yml,json,toml}" },
    ],
    // No watcher of our own: the server registers one for the files its projects read (their
    // rule files, aims.toml and facts folders), not every YAML and JSON file of the workspace.
    initializationOptions: asOf ? { asOf } : {},
  };
  client = new LanguageClient("aimsc", "aimsc", serverOptions, clientOptions);
  context.subscriptions.push(client.onNotification("aimsc/outcomes", showOutcomes));
  await client.start();
}

function runEval(args: string[]): void {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const command = serverPath();
  if (!folder || !command) {
    void vscode.window.showErrorMessage("aimsc: open a folder with an aims.toml and install aimsc first.");
    return;
  }
  const task = new vscode.Task(
    { type: "aimsc" },
    folder,
    `eval ${args.join(" ")}`.trim(),
    "aimsc",
    new vscode.ShellExecution(command, ["eval", ...args], { cwd: folder.uri.fsPath })
  );
  void vscode.tasks.executeTask(task);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.command = "aimsc.eval";
  context.subscriptions.push(status);
  context.subscriptions.push(
    vscode.commands.registerCommand("aimsc.eval", () => runEval([])),
    vscode.commands.registerCommand("aimsc.showOutcome", (id: string) => runEval(["--control", id, "--verbose"])),
    vscode.commands.registerCommand("aimsc.restartServer", async () => {
      await client?.stop();
      await start(context);
    })
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
