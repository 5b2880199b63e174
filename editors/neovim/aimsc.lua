-- aimsc for Neovim 0.7 and later, with the built-in LSP client and no plugin.
-- Put it in your config (e.g. ~/.config/nvim/lua/aimsc.lua, then `require("aimsc")` in
-- init.lua), or paste it into init.lua. Needs `aimsc` on PATH.
--
-- It uses only what Neovim 0.7 has (vim.lsp.start_client, buf_attach_client,
-- nvim_create_autocmd), so it works on Debian stable's 0.7 as on 0.10 and later.

-- A plain autocommand: 0.7 reads `vim.filetype.add` only with `g:do_filetype_lua` set.
vim.cmd([[autocmd BufRead,BufNewFile *.aims setfiletype aims]])

-- The project of a buffer: the nearest folder at or above its file holding aims.toml.
local function project_root(buf)
  local file = vim.api.nvim_buf_get_name(buf)
  if file == "" then
    return nil
  end
  local found = vim.fn.findfile("aims.toml", vim.fn.fnamemodify(file, ":p:h") .. ";")
  if found == "" then
    return nil
  end
  return vim.fn.fnamemodify(found, ":p:h")
end

-- One server per project, shared by the project's rule and facts buffers.
local clients = {}

vim.api.nvim_create_autocmd("FileType", {
  pattern = { "aims", "yaml", "json", "toml" },
  callback = function(args)
    local root = project_root(args.buf)
    if not root then
      return
    end
    local id = clients[root]
    if not id or vim.lsp.get_client_by_id(id) == nil then
      id = vim.lsp.start_client({
        name = "aimsc",
        cmd = { "aimsc", "lsp" },
        root_dir = root,
        workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      })
      clients[root] = id
    end
    if id then
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})

-- Code lenses show each control's live outcome; run one (its line) with
-- `:lua vim.lsp.codelens.run()`: the server explains the outcome. Refreshed only once a server
-- is attached: before, 0.7 marks the refresh as under way and never clears the mark.
vim.api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "BufWritePost" }, {
  pattern = { "*.aims" },
  callback = function(args)
    if next(vim.lsp.buf_get_clients(args.buf)) ~= nil then
      vim.lsp.codelens.refresh()
    end
  end,
})
