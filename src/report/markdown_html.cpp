#include "report/markdown_html.h"

#include <sstream>
#include <vector>

namespace kiln {

namespace {

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else
      o += c;
  }
  return o;
}

// `code` and **bold**
std::string inline_md(const std::string& s) {
  std::string e = escape(s), o;
  bool code = false, bold = false;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '`') {
      o += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && e.compare(i, 2, "**") == 0) {
      o += bold ? "</strong>" : "<strong>";
      bold = !bold;
      ++i;
    } else {
      o += e[i];
    }
  }
  return o;
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|') {
      size_t a = cur.find_first_not_of(' '), b = cur.find_last_not_of(' ');
      out.push_back(a == std::string::npos ? "" : cur.substr(a, b - a + 1));
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  return out;
}

}  // namespace

std::string markdown_to_html(const std::string& md, const std::string& title) {
  std::istringstream in(md);
  std::string line, out;
  out +=
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) +
      "</title><style>body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em}"
      "td{text-align:right}td:first-child{text-align:left}code{background:#f4f4f4}</style></"
      "head><body>\n";
  bool in_list = false, in_table = false, in_raw = false, in_fence = false;
  auto close = [&] {
    if (in_list) out += "</ul>\n";
    if (in_table) out += "</table>\n";
    in_list = in_table = false;
  };
  while (std::getline(in, line)) {
    // ``` fenced blocks (metadata.yaml in the pipeline report): verbatim, escaped
    if (line.rfind("```", 0) == 0) {
      if (!in_fence) close();
      out += in_fence ? "</code></pre>\n" : "<pre><code>";
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) {
      out += escape(line) + "\n";
      continue;
    }
    if (in_raw) {
      out += line + "\n";
      if (line.find("</svg>") != std::string::npos || line.find("</div>") != std::string::npos)
        in_raw = false;
      continue;
    }
    if (line.rfind("<svg", 0) == 0 || line.rfind("<div", 0) == 0) {
      close();
      out += line + "\n";
      in_raw = line.find("</svg>") == std::string::npos && line.find("</div>") == std::string::npos;
      continue;
    }
    if (line.rfind("|", 0) == 0) {
      auto c = cells(line);
      if (!c.empty() && c[0].find("---") != std::string::npos) continue;  // separator row
      if (!in_table) {
        close();
        out += "<table>\n<tr>";
        for (const auto& h : c) out += "<th>" + inline_md(h) + "</th>";
        out += "</tr>\n";
        in_table = true;
      } else {
        out += "<tr>";
        for (const auto& d : c) out += "<td>" + inline_md(d) + "</td>";
        out += "</tr>\n";
      }
      continue;
    }
    if (line.rfind("- ", 0) == 0) {
      if (!in_list) {
        close();
        out += "<ul>\n";
        in_list = true;
      }
      out += "<li>" + inline_md(line.substr(2)) + "</li>\n";
      continue;
    }
    close();
    if (line.empty()) continue;
    size_t level = line.find_first_not_of('#');
    if (level > 0 && level <= 6 && level < line.size() && line[level] == ' ') {
      out += "<h" + std::to_string(level) + ">" + inline_md(line.substr(level + 1)) + "</h" +
             std::to_string(level) + ">\n";
    } else {
      out += "<p>" + inline_md(line) + "</p>\n";
    }
  }
  close();
  return out + "</body></html>\n";
}

}  // namespace kiln
