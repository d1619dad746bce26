"""Spreadsheets in and out: reading CSV and XLSX, columns, the import engine, previews, exports."""
