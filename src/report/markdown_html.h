#pragma once
// Markdown → HTML for the subset kiln's reports use: headings, paragraphs, bullet lists, pipe
// tables, inline code and raw HTML/SVG blocks (passed through). Report text is kiln's own.
#include <string>

namespace kiln {

std::string markdown_to_html(const std::string& markdown, const std::string& title);

}  // namespace kiln
