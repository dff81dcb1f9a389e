# Writes a C++ source that embeds the console's static files
# (services/admin/console/) in hbsync-admin, so the binary serves them with no
# files beside it. Run at build time by services/admin/CMakeLists.txt:
#   cmake -DSOURCE_DIR=<console dir> -DOUTPUT=<file.cpp> -P embed_console.cmake
# Plain CMake (file(READ ... HEX)): no external tools.
if(NOT SOURCE_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "embed_console.cmake: set SOURCE_DIR and OUTPUT")
endif()
file(GLOB names RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
list(SORT names)
set(arrays "")
set(entries "")
set(index 0)
foreach(name IN LISTS names)
  if(IS_DIRECTORY ${SOURCE_DIR}/${name} OR name MATCHES "^\\.")
    continue()
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9._-]+$")
    message(FATAL_ERROR "embed_console.cmake: unexpected file name '${name}'")
  endif()
  file(READ ${SOURCE_DIR}/${name} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # 0x.., per byte; 32 bytes a line. A trailing 0 keeps an empty file a
  # valid (non-empty) array; the size excludes it.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n    " bytes "${bytes}")
  string(APPEND arrays "// ${name}\nconst unsigned char k${index}[] = {\n    ${bytes}0};\n")
  string(APPEND entries "      {\"${name}\", std::string_view(reinterpret_cast<const char*>(k${index}), ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
set(text "// Generated from services/admin/console/ by services/admin/embed_console.cmake.
// Do not edit: edit the files in services/admin/console/.
#include \"console_assets.hpp\"

namespace hbsync::admin::console {
namespace {

${arrays}
}  // namespace

const std::vector<Asset>& assets() {
  static const std::vector<Asset> all{
${entries}  };
  return all;
}

}  // namespace hbsync::admin::console
")
# Rewrite only when the text changes, so an unchanged console rebuilds nothing.
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE ${OUTPUT} "${text}")
