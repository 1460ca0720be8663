//===- Npy.cpp - NumPy .npy and .npz files --------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <zlib.h>

using namespace qfx;
using namespace qfx::exec;

NpyArray NpyArray::zeros(ElemType type, Shape shape) {
  NpyArray a;
  a.type = type;
  a.shape = std::move(shape);
  a.bytes.assign(a.numel() * elemSize(type), 0);
  return a;
}

static Status fail(const std::string &name, const std::string &msg) {
  return Status::error(name + ": " + msg);
}

static const char *descrOf(ElemType t) {
  switch (t) {
  case ElemType::F32:
    return "<f4";
  case ElemType::F64:
    return "<f8";
  case ElemType::I64:
    return "<i8";
  case ElemType::I32:
    return "<i4";
  case ElemType::I8:
    return "|i1";
  case ElemType::U8:
    return "|u1";
  case ElemType::Bool:
    return "|b1";
  }
  return "?";
}

/// Finds `'key': value` in the header dict and returns the value text.
static bool headerValue(const std::string &h, const std::string &key,
                        std::string &value) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos)
    return false;
  size_t colon = h.find(':', k);
  if (colon == std::string::npos)
    return false;
  size_t start = h.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return false;
  size_t end;
  if (h[start] == '(') {
    end = h.find(')', start);
    if (end == std::string::npos)
      return false;
    ++end;
  } else if (h[start] == '\'') {
    end = h.find('\'', start + 1);
    if (end == std::string::npos)
      return false;
    ++end;
  } else {
    end = h.find_first_of(",}", start);
    if (end == std::string::npos)
      return false;
  }
  value = h.substr(start, end - start);
  return true;
}

Expected<NpyArray> qfx::exec::parseNpy(const char *data, size_t size,
                                       const std::string &name) {
  if (size < 10 || std::memcmp(data, "\x93NUMPY", 6) != 0)
    return fail(name, "not a .npy file (bad magic)");
  unsigned major = static_cast<unsigned char>(data[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(data[8]) |
                (static_cast<unsigned char>(data[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return fail(name, "truncated .npy header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(data[8 + i]);
    headerStart = 12;
  } else {
    return fail(name, "unsupported .npy version " + std::to_string(major));
  }
  if (headerStart + headerLen > size)
    return fail(name, "truncated .npy header");
  std::string h(data + headerStart, headerLen);
  std::string descr, fortran, shapeText;
  if (!headerValue(h, "descr", descr) ||
      !headerValue(h, "fortran_order", fortran) ||
      !headerValue(h, "shape", shapeText))
    return fail(name, "malformed .npy header: " + h);
  NpyArray a;
  descr = descr.size() >= 2 ? descr.substr(1, descr.size() - 2) : descr;
  static const std::pair<const char *, ElemType> kDescrs[] = {
      {"<f4", ElemType::F32}, {"<f8", ElemType::F64}, {"<i8", ElemType::I64},
      {"<i4", ElemType::I32}, {"|i1", ElemType::I8},  {"|u1", ElemType::U8},
      {"|b1", ElemType::Bool}, {"<u1", ElemType::U8}, {"<i1", ElemType::I8},
      {"<b1", ElemType::Bool}};
  bool known = false;
  for (auto &[d, t] : kDescrs)
    if (descr == d) {
      a.type = t;
      known = true;
    }
  if (!known)
    return fail(name, "unsupported dtype '" + descr +
                          "' (supported: float32, float64, int64, int32, "
                          "uint8, int8, bool; little-endian)");
  if (fortran.find("True") != std::string::npos)
    return fail(name, "Fortran-order arrays are not supported (save a "
                      "C-contiguous array)");
  // Shape tuple "(a, b, )".
  std::string inner = shapeText.substr(1, shapeText.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos)
      continue;
    char *end = nullptr;
    long long v = std::strtoll(item.c_str() + b, &end, 10);
    if (end == item.c_str() + b || v < 0)
      return fail(name, "malformed shape " + shapeText);
    a.shape.push_back(v);
  }
  size_t need = a.numel() * elemSize(a.type);
  size_t have = size - headerStart - headerLen;
  if (have < need)
    return fail(name, "truncated: shape " + shapeToString(a.shape) +
                          " needs " + std::to_string(need) +
                          " bytes of data, found " + std::to_string(have));
  a.bytes.assign(data + headerStart + headerLen,
                 data + headerStart + headerLen + need);
  return a;
}

std::string qfx::exec::serializeNpy(const NpyArray &a) {
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(a.shape[i]);
  shape += a.shape.size() == 1 ? ",)" : ")";
  std::string dict = std::string("{'descr': '") + descrOf(a.type) +
                     "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + dict.size() + 1;
  size_t pad = (64 - total % 64) % 64;
  dict += std::string(pad, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  out.append(a.bytes.data(), a.bytes.size());
  return out;
}

static Status readFile(const std::string &path, std::string &contents) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  contents = ss.str();
  return Status::success();
}

Status qfx::exec::writeFileAtomically(const std::string &path,
                                      const std::string &contents) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f)
      return Status::error(path + ": cannot write: " + std::strerror(errno));
    f.write(contents.data(), contents.size());
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      return Status::error(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    std::remove(tmp.c_str());
    return Status::error(path + ": cannot rename into place: " + err);
  }
  return Status::success();
}

Expected<NpyArray> qfx::exec::readNpy(const std::string &path) {
  std::string contents;
  if (Status s = readFile(path, contents); s.failed())
    return s;
  return parseNpy(contents.data(), contents.size(), path);
}

Status qfx::exec::writeNpy(const std::string &path, const NpyArray &array) {
  return writeFileAtomically(path, serializeNpy(array));
}

//===----------------------------------------------------------------------===//
// Zip containers
//===----------------------------------------------------------------------===//

static uint32_t rd16(const char *p) {
  return static_cast<unsigned char>(p[0]) |
         (static_cast<unsigned char>(p[1]) << 8);
}
static uint32_t rd32(const char *p) { return rd16(p) | (rd16(p + 2) << 16); }
static uint64_t rd64(const char *p) {
  return rd32(p) | (static_cast<uint64_t>(rd32(p + 4)) << 32);
}

Expected<NpzArrays> qfx::exec::readNpz(const std::string &path) {
  std::string z;
  if (Status s = readFile(path, z); s.failed())
    return s;
  const char *d = z.data();
  size_t n = z.size();
  // End of central directory: last 22 bytes plus an optional comment.
  if (n < 22)
    return fail(path, "truncated or not a zip (.npz) file");
  size_t eocd = std::string::npos;
  for (size_t i = n - 22 + 1; i-- > 0 && n - i <= 22 + 65535;)
    if (rd32(d + i) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos)
    return fail(path, "truncated or not a zip (.npz) file (no end of "
                      "central directory)");
  uint64_t count = rd16(d + eocd + 10);
  uint64_t cdOff = rd32(d + eocd + 16);
  if (cdOff == 0xffffffffu || count == 0xffff) {
    // Zip64 end of central directory locator precedes the EOCD.
    if (eocd < 20 || rd32(d + eocd - 20) != 0x07064b50)
      return fail(path, "corrupt zip64 archive");
    uint64_t z64 = rd64(d + eocd - 20 + 8);
    if (z64 + 56 > n || rd32(d + z64) != 0x06064b50)
      return fail(path, "corrupt zip64 archive");
    count = rd64(d + z64 + 32);
    cdOff = rd64(d + z64 + 48);
  }
  NpzArrays out;
  size_t p = cdOff;
  for (uint64_t e = 0; e < count; ++e) {
    if (p + 46 > n || rd32(d + p) != 0x02014b50)
      return fail(path, "corrupt zip central directory");
    uint32_t method = rd16(d + p + 10);
    uint32_t crc = rd32(d + p + 16);
    uint64_t csize = rd32(d + p + 20), usize = rd32(d + p + 24);
    uint32_t nameLen = rd16(d + p + 28), extraLen = rd16(d + p + 30),
             commentLen = rd16(d + p + 32);
    uint64_t local = rd32(d + p + 42);
    if (p + 46 + nameLen + extraLen > n)
      return fail(path, "corrupt zip central directory");
    std::string name(d + p + 46, nameLen);
    // Zip64 extra field: the 0xffffffff fields follow in order.
    const char *x = d + p + 46 + nameLen, *xend = x + extraLen;
    while (x + 4 <= xend) {
      uint32_t id = rd16(x), len = rd16(x + 2);
      if (id == 1) {
        const char *f = x + 4;
        if (usize == 0xffffffffu && f + 8 <= x + 4 + len)
          usize = rd64(f), f += 8;
        if (csize == 0xffffffffu && f + 8 <= x + 4 + len)
          csize = rd64(f), f += 8;
        if (local == 0xffffffffu && f + 8 <= x + 4 + len)
          local = rd64(f), f += 8;
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > n || rd32(d + local) != 0x04034b50)
      return fail(path, "corrupt zip entry '" + name + "'");
    uint64_t dataStart = local + 30 + rd16(d + local + 26) +
                         rd16(d + local + 28);
    if (dataStart + csize > n)
      return fail(path, "truncated zip entry '" + name + "'");
    std::string member;
    if (method == 0) {
      member.assign(d + dataStart, csize);
    } else if (method == 8) {
      member.resize(usize);
      z_stream zs{};
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return fail(path, "zlib initialisation failed");
      zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(d + dataStart));
      zs.avail_in = static_cast<uInt>(csize);
      zs.next_out = reinterpret_cast<Bytef *>(member.data());
      zs.avail_out = static_cast<uInt>(usize);
      int rc = inflate(&zs, Z_FINISH);
      inflateEnd(&zs);
      if (rc != Z_STREAM_END || zs.total_out != usize)
        return fail(path, "corrupt compressed entry '" + name + "'");
    } else {
      return fail(path, "entry '" + name + "' uses unsupported zip "
                        "compression method " + std::to_string(method));
    }
    if (crc32(0L, reinterpret_cast<const Bytef *>(member.data()),
              static_cast<uInt>(member.size())) != crc)
      return fail(path, "CRC mismatch in entry '" + name + "' (corrupt file)");
    std::string key = name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0)
      key.resize(key.size() - 4);
    auto arr = parseNpy(member.data(), member.size(), path + "[" + key + "]");
    if (arr.failed())
      return arr.status();
    out.emplace_back(key, arr.take());
  }
  return out;
}

static void put16(std::string &s, uint32_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
static void put32(std::string &s, uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

Status qfx::exec::writeNpz(const std::string &path, const NpzArrays &arrays) {
  std::string out, central;
  for (const auto &[key, arr] : arrays) {
    std::string data = serializeNpy(arr);
    if (data.size() >= 0xffffffffu)
      return fail(path, "array '" + key + "' is too large for a zip32 entry");
    std::string name = key + ".npy";
    uint32_t crc = crc32(0L, reinterpret_cast<const Bytef *>(data.data()),
                         static_cast<uInt>(data.size()));
    uint32_t offset = static_cast<uint32_t>(out.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0x21);
    put32(out, crc);
    put32(out, data.size());
    put32(out, data.size());
    put16(out, name.size());
    put16(out, 0);
    out += name;
    out += data;
    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, data.size());
    put32(central, data.size());
    put16(central, name.size());
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, offset);
    central += name;
  }
  uint32_t cdOff = static_cast<uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, arrays.size());
  put16(out, arrays.size());
  put32(out, central.size());
  put32(out, cdOff);
  put16(out, 0);
  return writeFileAtomically(path, out);
}
