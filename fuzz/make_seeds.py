#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/<target>/ (named seed-*): well-formed inputs for
the fuzzer to start from, and the hostile files SPEC §9 names (zip bombs, deeply nested PDF
objects, huge /Length, truncated cross-reference tables, malformed .xlsx XML ...).

    python3 fuzz/make_seeds.py          # from the repository root; xlwt (pip) for the .xls seeds

Files the fuzzer found are added by `cargo fuzz cmin` (fuzz/README.md); this script only
rewrites the seed-* files."""

import io
import os
import struct
import zipfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, "seed-" + name), "wb") as f:
        f.write(data)


# ------------------------------------------------------------------------------------- PDF


def pdf(objects, trailer_extra=b"", xref=True):
    """A PDF of numbered `objects` (bytes bodies) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for off in offsets:
            out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        start,
    )
    return bytes(out)


def page_objects(catalog_extra=b"", content=b"BT ET"):
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]


def pdf_seeds():
    plain = pdf(page_objects())
    write("pdf_check", "plain.pdf", plain)
    write("pdf_check", "javascript.pdf",
          pdf(page_objects(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")))
    write("pdf_check", "launch.pdf",
          pdf(page_objects(b"/OpenAction << /S /Launch /F (calc.exe) >> ")))
    write("pdf_check", "hex-name.pdf",
          pdf(page_objects(b"/OpenAction << /S /J#61vaScript /JS (x) >> ")))
    write("pdf_check", "encrypt.pdf",
          pdf(page_objects(), b"/Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -1 >> "))
    # 100,000 nested arrays / dictionaries / literal strings in one object: the parser's
    # recursion must stay bounded (a stack overflow aborts the process).
    depth = 100_000
    write("pdf_check", "nested-arrays.pdf",
          pdf(page_objects(b"/Deep " + b"[" * depth + b"]" * depth + b" ")))
    write("pdf_check", "nested-dicts.pdf",
          pdf(page_objects(b"/Deep " + b"<</A " * (depth // 5) + b">>" * (depth // 5) + b" ")))
    write("pdf_check", "nested-strings.pdf",
          pdf(page_objects(b"/Deep " + b"(" * depth + b")" * depth + b" ")))
    write("pdf_check", "unclosed-arrays.pdf", b"%PDF-1.7\n1 0 obj\n" + b"[" * depth)
    # A stream whose /Length claims 100 GB.
    objs = page_objects()
    objs[3] = b"<< /Length 99999999999 >>\nstream\nBT ET\nendstream"
    write("pdf_check", "huge-length.pdf", pdf(objs))
    objs[3] = b"<< /Length -5 >>\nstream\nBT ET\nendstream"
    write("pdf_check", "negative-length.pdf", pdf(objs))
    # 64 MiB of zeros deflated to ~64 KiB: past the 16 MiB decompression bound.
    bomb = zlib.compress(b"\0" * (64 << 20), 9)
    objs = page_objects()
    objs[3] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    write("pdf_check", "flate-bomb.pdf", pdf(objs))
    # Cross-reference trouble: cut in the middle, pointing at itself, pointing past the end.
    write("pdf_check", "truncated-xref.pdf", plain[: plain.index(b"xref") + 30])
    write("pdf_check", "no-xref.pdf", pdf(page_objects(), xref=False))
    loop = pdf(page_objects())
    start = loop.index(b"xref")
    write("pdf_check", "xref-prev-loop.pdf",
          loop.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d " % start))
    write("pdf_check", "startxref-past-end.pdf",
          plain.replace(b"startxref\n%d" % start, b"startxref\n99999999"))
    # A page tree whose /Kids point back up (a cycle) and a self-referencing /Parent.
    cyc = page_objects()
    cyc[1] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>"
    cyc[2] = b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    write("pdf_check", "page-tree-cycle.pdf", pdf(cyc))
    # A reference chain 1 -> 5 -> 5 (a reference to itself).
    write("pdf_check", "self-reference.pdf",
          pdf(page_objects(b"/Self 5 0 R ") + [b"5 0 R"]))
    # An object stream claiming a million objects at an offset past its end.
    objstm = b"1 0 2 5"
    objs = page_objects() + [
        b"<< /Type /ObjStm /N 1000000 /First 99999 /Length %d >>\nstream\n" % len(objstm)
        + objstm + b"\nendstream"]
    write("pdf_check", "objstm-lies.pdf", pdf(objs))
    write("pdf_check", "magic-only.pdf", b"%PDF-")
    write("pdf_check", "html.pdf", b"<html><body>%PDF-1.7</body></html>")


# ---------------------------------------------------------------------------------- rosters

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ["姓名", "证件类型", "证件号码", "手机号码", "职业编码", "等级", "理论知识", "操作技能"]
ROW = ["张三", "居民身份证", "11010519491231002X", "13812345678", "6-31-01-03", "5", "80", "90"]


def cell(ref, text):
    return (b'<c r="%s" t="inlineStr"><is><t>' % ref.encode()) + text.encode() + b"</t></is></c>"


def sheet_xml(rows):
    out = b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + NS + b"><sheetData>"
    for r, row in enumerate(rows, start=1):
        out += b'<row r="%d">' % r
        for c, text in enumerate(row):
            out += cell("%s%d" % (chr(ord("A") + c), r), text)
        out += b"</row>"
    return out + b"</sheetData></worksheet>"


def xlsx(sheet, shared=None, styles=None, workbook=None, method=zipfile.ZIP_DEFLATED):
    files = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/_rels/workbook.xml.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/workbook.xml": workbook or b'<workbook ' + NS + b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared is not None:
        files["xl/sharedStrings.xml"] = shared
    if styles is not None:
        files["xl/styles.xml"] = styles
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def parts(sheet, shared=b"", styles=b""):
    """Mode 4 of fuzzing::Roster::input: the parts split at NUL bytes."""
    return b"\x04" + sheet + b"\0" + shared + b"\0" + styles


def roster_seeds():
    good = sheet_xml([HEADER, ROW])
    write("roster", "good.xlsx", b"\x00" + xlsx(good))
    write("roster", "parts-good", parts(good))
    shared = (b'<sst ' + NS + b' count="2" uniqueCount="2"><si><t>' + "姓名".encode() + b'</t></si>'
              b'<si><r><t>' + "证件".encode() + b'</t></r><r><t>' + "号码".encode() + b'</t></r></si></sst>')
    write("roster", "parts-shared-strings",
          parts(b'<worksheet ' + NS + b'><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                b'<c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>99999999</v></c></row>'
                b'</sheetData></worksheet>', shared))
    write("roster", "parts-styles-dates",
          parts(b'<worksheet ' + NS + b'><sheetData><row r="1"><c r="A1" s="1"><v>45000</v></c>'
                b'<c r="B1" s="7"><v>1e308</v></c><c r="C1" t="e"><v>#N/A</v></c>'
                b'<c r="D1" t="b"><v>1</v></c><c r="E1" t="d"><v>2026-02-30T25:61:00</v></c>'
                b'</row></sheetData></worksheet>', b"",
                b'<styleSheet ' + NS + b'><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
                b'</numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'))
    # Two cells at the opposite corners of a sheet: a reader that builds the whole grid
    # allocates 16,384 x 1,048,576 cells.
    corners = (b'<worksheet ' + NS + b'><sheetData><row r="1">'
               + cell("A1", "证件号码") + cell("B1", "理论知识") + cell("C1", "操作技能")
               + b'</row><row r="1048576">' + cell("XFD1048576", "x") + b"</row></sheetData></worksheet>")
    write("roster", "parts-corner-cells", parts(corners))
    write("roster", "corner-cells.xlsx", b"\x00" + xlsx(corners))
    write("roster", "parts-huge-row-number",
          parts(b'<worksheet ' + NS + b'><sheetData><row r="4294967295">' + cell("A4294967295", "x")
                + cell("ZZZZZZZ1", "y") + b"</row></sheetData></worksheet>"))
    write("roster", "parts-dimension-lies",
          parts(b'<worksheet ' + NS + b'><dimension ref="A1:XFD1048576"/><sheetData><row r="1">'
                + cell("A1", "姓名") + b"</row></sheetData></worksheet>"))
    # Deeply nested and malformed XML.
    write("roster", "parts-nested-xml",
          parts(b'<worksheet ' + NS + b'><sheetData>' + b"<row>" * 20_000 + b"</row>" * 20_000
                + b"</sheetData></worksheet>"))
    write("roster", "parts-unclosed-xml",
          parts(b'<worksheet ' + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x'))
    write("roster", "parts-entities",
          parts(b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
                b'<worksheet ' + NS + b'><sheetData><row r="1">' + cell("A1", "&lol2;&amp;&#0;&#xFFFFFFFF;&bogus;")
                + b"</row></sheetData></worksheet>"))
    write("roster", "parts-bad-workbook",
          b"\x04" + good + b"\0\0\0" + b'<workbook ' + NS + b'><sheets><sheet name="" sheetId="-1" r:id="rId9"/></sheets></workbook>')
    # A zip bomb: 300 MiB of shared strings declared (refused before inflating), and one whose
    # central directory lies about the size (the zip reader stops at the declared size).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/sharedStrings.xml", b"<sst>" + b"\0" * (300 << 20))
    write("roster", "zip-bomb.xlsx", b"\x00" + buf.getvalue())
    lying = bytearray(xlsx(sheet_xml([HEADER] + [ROW] * 2_000)))
    # Patch every uncompressed size in the central directory down to 100 bytes.
    i = 0
    while True:
        i = lying.find(b"PK\x01\x02", i)
        if i < 0:
            break
        lying[i + 24 : i + 28] = struct.pack("<I", 100)
        i += 4
    write("roster", "zip-size-lies.xlsx", b"\x00" + bytes(lying))
    write("roster", "zip-truncated.xlsx", b"\x00" + xlsx(good)[:200])
    # CSV: UTF-8 with BOM, GBK, UTF-16, quoting edge cases.
    csv = ",".join(HEADER) + "\r\n" + ",".join(ROW) + "\r\n"
    write("roster", "good.csv", b"\x02\xef\xbb\xbf" + csv.encode())
    write("roster", "gbk.csv", b"\x02" + csv.encode("gbk"))
    write("roster", "utf16.csv", b"\x02" + b"\xff\xfe" + csv.replace(",", "\t").encode("utf-16-le"))
    write("roster", "odd-quotes.csv",
          b"\x02" + ",".join(HEADER).encode() + b'\n"unterminated,"a""b",\r\r\n="1101",\'110105,1.10105E+17\n')
    write("roster", "bad-utf8-bom.csv", b"\x02\xef\xbb\xbf\xff\xfe\x00")
    try:
        import xlwt
    except ImportError:
        print("xlwt not installed: no .xls seeds")
        return
    book = xlwt.Workbook()
    ws = book.add_sheet("Sheet1")
    for r, row in enumerate([HEADER, ROW]):
        for c, text in enumerate(row):
            ws.write(r, c, text)
    ws.write(2, 0, 1.5)
    ws.write(2, 2, 110105194912310020)
    buf = io.BytesIO()
    book.save(buf)
    write("roster", "good.xls", b"\x01" + buf.getvalue())
    book = xlwt.Workbook()
    ws = book.add_sheet("Sheet1")
    ws.write(0, 0, "证件号码")
    ws.write(65535, 255, "x")
    buf = io.BytesIO()
    book.save(buf)
    write("roster", "corner-cells.xls", b"\x01" + buf.getvalue())
    # BIFF records are not bounded by the format's 65,536 x 256: a LabelSst at column 65535
    # and a DIMENSIONS record claiming 2^32 rows.
    good = bytearray(book_bytes(xlwt, [HEADER, ROW]))
    at = good.rfind(b"\xfd\x00\x0a\x00")
    far = bytearray(good)
    far[at + 4 : at + 8] = struct.pack("<HH", 0xFFFF, 0xFFFF)
    write("roster", "far-cell.xls", b"\x01" + bytes(far))
    at = good.find(b"\x00\x02\x0e\x00")
    dims = bytearray(good)
    dims[at + 4 : at + 18] = struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 0xFFFF, 0)
    write("roster", "dimensions-lie.xls", b"\x01" + bytes(dims))


def book_bytes(xlwt, rows):
    book = xlwt.Workbook()
    ws = book.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            ws.write(r, c, text)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------------- codecs


def codec_seeds():
    for name, text in [
        ("id", "11010519491231002X"),
        ("id-lower-x", " 11010519491231002x "),
        ("id-15", "110105491231002"),
        ("id-feb29", "110105200002290011"),
        ("id-fullwidth", "１１０１０５１９４９１２３１００２Ｘ"),
        ("cert", "Y000041410101245000001"),
        ("cert-lower", "s000041410101265000123"),
        ("occupation", "6-31-01-03"),
        ("uscc", "91410100MA0000000X"),
        ("region", "4101"),
        ("phone", "+86 138-1234-5678"),
        ("passport", "E12345678"),
    ]:
        write("codecs", name, text.encode())
    write("codecs", "digits", bytes(range(48, 48 + 10)) * 3)


# ------------------------------------------------------------------------------ problem_json


def api_seeds():
    batch = (b'{"module":"social_training","method":"written","year":2026,"exam_start":"2026-03-20",'
             b'"exam_end":"2026-03-21","venue":"v","venue_region":"4101","occupations":'
             b'[{"occupation_code":"6-31-01-03","level":5,"planned_count":10}]}')
    seeds = {
        "create-batch": b"\x00" + batch,
        "patch-batch": b"\x01" + b'{"venue":"x","version":1}',
        "refresh": b"\x02" + b'{"refresh_token":"abc"}',
        "candidate": b"\x03" + b'{"name":"a","id_type":"resident_id","id_number":"11010519491231002X","occupation_code":"6-31-01-03","level":5}',
        "results": b"\x04" + b'{"results":[{"candidate_id":"00000000-0000-0000-0000-000000000000","theory":101}]}',
        "decision": b"\x05" + b'{"decision":"approve","comment":"","reasons":[]}',
        "calendar-year": b"\x06" + b"99999999999999999999",
        "earliest": b"\x07" + b"submitted_on=2026-02-30",
        "lookup-number": b"\x08" + b"number=Y000041410101245000001",
        "lookup-id": b"\x08" + b"name=%E5%BC%A0&id_number=11010519491231002X",
        "list-paging": b"\x09" + b"page=0&page_size=100000&status=bogus",
        "batch-id": b"\x0a" + b"not-a-uuid",
        "token": b"\x0b" + b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "nested-json": b"\x00" + b"[" * 100_000,
        "deep-object": b"\x00" + b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        "text-plain": b"\xf0" + batch,
        "big-number": b"\x00" + b'{"year":1e999999,"occupations":[{"level":-99999999999999999999}]}',
        "bad-utf8": b"\x00" + b'{"venue":"\xff\xfe"}',
    }
    for name, data in seeds.items():
        write("problem_json", name, data)


def fixed_zip(files, method=zipfile.ZIP_DEFLATED):
    """A zip of (name, bytes) in order, with a fixed timestamp so the bytes do not change."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method, compresslevel=9) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                       compress_type=method)
    return buf.getvalue()


def hostile_xlsx_seeds():
    """Spreadsheets that declare or inflate to more than they hold (docs/security.md, 12.1.2)."""
    rels = [
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("_rels/.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        ("xl/_rels/workbook.xml.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        ("xl/workbook.xml", b'<workbook ' + NS + b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    ]
    sheet = (b'<worksheet ' + NS + b'><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             b'</sheetData></worksheet>')
    # One shared string declared as 10^14: calamine reserves the declared count before reading
    # a string, and the failed allocation aborts the process.
    bomb = (b'<sst ' + NS + b' count="1" uniqueCount="99999999999999"><si><t>'
            + "姓名".encode() + b'</t></si></sst>')
    write("roster", "shared-strings-bomb.xlsx", b"\x00" + fixed_zip(
        rels + [("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", bomb)]))
    write("roster", "parts-shared-strings-bomb", parts(sheet, bomb))
    # 300 MiB of shared strings behind a first entry whose local header does not read (the
    # central directory places it one byte off): a check that stops at an unreadable entry
    # never sees the bomb.
    broken = bytearray(fixed_zip(
        [("docProps/app.xml", b"<Properties/>")] + rels
        + [("xl/worksheets/sheet1.xml", sheet),
           ("xl/sharedStrings.xml", b'<sst ' + NS + b'>' + b"\0" * (300 << 20))]))
    first = broken.find(b"PK\x01\x02")
    (offset,) = struct.unpack("<I", broken[first + 42 : first + 46])
    broken[first + 42 : first + 46] = struct.pack("<I", offset + 1)
    write("roster", "zip-bomb-behind-broken-entry.xlsx", b"\x00" + bytes(broken))
    # A `<dimension>` claiming the whole grid, with cells at two of its corners.
    grid = (b'<worksheet ' + NS + b'><dimension ref="A1:XFD1048576"/><sheetData><row r="1">'
            b'<c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576" t="s"><v>0</v>'
            b'</c></row></sheetData></worksheet>')
    write("roster", "whole-grid-dimension.xlsx", b"\x00" + fixed_zip(
        rels + [("xl/worksheets/sheet1.xml", grid),
                ("xl/sharedStrings.xml", b'<sst ' + NS + b' count="2" uniqueCount="1"><si><t>x</t></si></sst>')]))


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["hostile-xlsx"]:
        hostile_xlsx_seeds()
        sys.exit(0)
    pdf_seeds()
    roster_seeds()
    hostile_xlsx_seeds()
    codec_seeds()
    api_seeds()
