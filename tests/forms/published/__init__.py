"""Self-evaluation forms transcribed from published 项目支出绩效自评表 (部门决算 / 绩效自评
公开 pages of several provinces and years), cell by cell as a person copies them from the
published page or PDF into a sheet. Each module cites its page and says what, if
anything, the excerpt did not show and was completed (marked in a comment). Built in
code (openpyxl) so every cell is reviewable; `book.build` writes them."""
