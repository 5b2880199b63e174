-- Drives Neovim's own LSP client against `aimsc lsp`, headless, after editors/neovim/aimsc.lua
-- set it up, as a user's editor would: open a rule file, wait for the diagnostics, hover,
-- go to definition, list and run a code lens, format. Writes what Neovim got as JSON to
-- $AIMSC_NVIM_OUT and quits. Usage:
--   nvim --headless --clean -u editors/neovim/aimsc.lua -c "luafile tests/tools/nvim-drive.lua" FILE
-- with $AIMSC_NVIM_HOVER and $AIMSC_NVIM_DEFINITION as LINE:COL (1-based) positions in FILE.
local out = { messages = {}, version = vim.version() }
local function finish()
  local f = io.open(os.getenv("AIMSC_NVIM_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end
local function fail(why)
  out.error = why
  finish()
end

vim.lsp.handlers["window/showMessage"] = function(_, result)
  table.insert(out.messages, result.message)
end

local buf = vim.api.nvim_get_current_buf()
out.filetype = vim.bo[buf].filetype
if not vim.wait(20000, function()
  return #vim.lsp.buf_get_clients(buf) > 0
end, 50) then
  return fail("no language server attached to the buffer")
end
local client = vim.lsp.buf_get_clients(buf)[next(vim.lsp.buf_get_clients(buf))]
out.server = client.name

-- The diagnostics the server publishes for the file.
if not vim.wait(20000, function()
  return #vim.diagnostic.get(buf) > 0
end, 50) then
  return fail("no diagnostics arrived")
end
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, { line = d.lnum + 1, message = d.message, code = d.code })
end

local function at(pos)
  local l, c = pos:match("(%d+):(%d+)")
  vim.api.nvim_win_set_cursor(0, { tonumber(l), tonumber(c) - 1 })
  return vim.lsp.util.make_position_params()
end

local function first_result(method, params)
  local answers = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
  for _, a in pairs(answers) do
    if a.result then
      return a.result
    end
  end
  return nil
end

local hover = first_result("textDocument/hover", at(os.getenv("AIMSC_NVIM_HOVER")))
out.hover = hover and hover.contents and hover.contents.value or vim.NIL

local def = first_result("textDocument/definition", at(os.getenv("AIMSC_NVIM_DEFINITION")))
out.definition = {}
for _, loc in ipairs(def or {}) do
  table.insert(out.definition, { uri = loc.uri, line = loc.range.start.line + 1 })
end

-- Code lenses: what the client holds after a refresh, then one run on its line.
vim.lsp.codelens.refresh()
if not vim.wait(20000, function()
  return #vim.lsp.codelens.get(buf) > 0
end, 50) then
  return fail("no code lenses arrived")
end
out.lenses = {}
local lines = {}
for _, l in ipairs(vim.lsp.codelens.get(buf)) do
  table.insert(out.lenses, { line = l.range.start.line + 1, title = l.command and l.command.title or "" })
  lines[l.range.start.line] = (lines[l.range.start.line] or 0) + 1
end
out.most_lenses_on_a_line = 0
for _, n in pairs(lines) do
  out.most_lenses_on_a_line = math.max(out.most_lenses_on_a_line, n)
end
local lens = vim.lsp.codelens.get(buf)[1]
vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
vim.lsp.codelens.run()
vim.wait(10000, function()
  return #out.messages > 0
end, 50)

-- Formatting: the edits the server proposes for the whole file.
local edits = first_result("textDocument/formatting", { textDocument = vim.lsp.util.make_text_document_params(), options = { tabSize = 2, insertSpaces = true } })
out.formatting_edits = edits and #edits or 0

finish()
