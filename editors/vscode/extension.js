// The client side of covenant's editor support: it starts `covenant lsp` for the workspace
// and hands it the `.cov` documents; everything else (diagnostics, definition, references,
// hover, completion, rename, formatting, quick fixes) is the server's.

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("covenant").get("path") || "covenant";
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "covenant",
    "covenant",
    { run, debug: run },
    {
      documentSelector: [{ scheme: "file", language: "covenant" }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.cov") },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
