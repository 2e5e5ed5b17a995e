# Chroot-free executables (docs/toolchain.md): on a Debian 12 host the build runs inside the
# Debian 13 root, which lives on the host at KILN_TOOLCHAIN_ROOT. The executables are linked so
# that the host can start them directly: the root's dynamic loader as their interpreter and a
# DT_RPATH naming the root's library folders. Inside the root the same paths resolve through the
# link ROOT/ROOT -> / that scripts/toolchain.sh makes, so the binaries run in both places.
#
# DT_RPATH, not DT_RUNPATH: RUNPATH only covers the executable's own NEEDED entries, and a
# library's dependencies would then fall through to the loader's cache and default folders,
# which on the host are the host's (older glibc, reference BLAS).

function(kiln_chroot_free_flags root out_var)
  # The loader this toolchain's executables ask for (PT_INTERP of cmake itself, a root binary).
  set(readelf "${CMAKE_READELF}")
  if(NOT readelf)
    set(readelf readelf)
  endif()
  execute_process(COMMAND "${readelf}" -l "${CMAKE_COMMAND}" OUTPUT_VARIABLE headers RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT headers MATCHES "Requesting program interpreter: ([^]]+)\\]")
    message(FATAL_ERROR "KILN_TOOLCHAIN_ROOT: cannot read the program interpreter of ${CMAKE_COMMAND}")
  endif()
  set(interp "${CMAKE_MATCH_1}")

  # Where the loader looks, in its own order: ld.so.conf folders (the cache), then the system
  # search path. Both come from the root's own tools, so a package adding a folder is covered.
  execute_process(COMMAND ldconfig -v -N -X OUTPUT_VARIABLE ldconfig_out ERROR_QUIET)
  execute_process(COMMAND "${interp}" --help OUTPUT_VARIABLE loader_help ERROR_QUIET)
  set(search)
  string(REGEX MATCHALL "(^|\n)/[^:\n]*:" conf_dirs "${ldconfig_out}")
  foreach(d IN LISTS conf_dirs)
    string(REGEX REPLACE "^\n?(.*):$" "\\1" d "${d}")
    list(APPEND search "${d}")
  endforeach()
  string(REGEX MATCHALL "\n  (/[^ \n]+) \\(system search path\\)" sys_dirs "${loader_help}")
  foreach(d IN LISTS sys_dirs)
    string(REGEX REPLACE "^\n  (/[^ ]+) .*$" "\\1" d "${d}")
    list(APPEND search "${d}")
  endforeach()
  if(NOT search)
    message(FATAL_ERROR "KILN_TOOLCHAIN_ROOT: no library search path from ldconfig or ${interp} --help")
  endif()

  # Folders as they really are (/lib is a link to usr/lib in a merged-/usr root), once each.
  set(real_dirs)
  foreach(d IN LISTS search)
    if(IS_DIRECTORY "${d}")
      file(REAL_PATH "${d}" r)
      list(APPEND real_dirs "${r}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES real_dirs)

  # Libraries chosen through update-alternatives (libblas.so.3 -> /etc/alternatives/... ->
  # openblas-pthread/) are absolute links: from the host they lead into the HOST's
  # /etc/alternatives. Their real folders go first, so the loader finds them by name there.
  set(alt_dirs)
  foreach(d IN LISTS real_dirs)
    file(GLOB libs LIST_DIRECTORIES false "${d}/*.so*")
    foreach(lib IN LISTS libs)
      if(IS_SYMLINK "${lib}")
        file(READ_SYMLINK "${lib}" target)
        if(target MATCHES "^/etc/alternatives/")
          file(REAL_PATH "${lib}" resolved)
          get_filename_component(resolved_dir "${resolved}" DIRECTORY)
          list(APPEND alt_dirs "${resolved_dir}")
        endif()
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES alt_dirs)

  # Those libraries carry DT_RUNPATH $ORIGIN, so their own dependencies are looked up there and
  # then in the loader's cache: the host's (libgfortran.so.5 of OpenBLAS came from the host). Such
  # dependencies from outside the folder become direct dependencies of the executable, loaded
  # through its RPATH before the libraries that need them (the loader reuses them by soname).
  set(preload)
  foreach(d IN LISTS alt_dirs)
    file(GLOB libs LIST_DIRECTORIES false "${d}/*.so*")
    foreach(lib IN LISTS libs)
      execute_process(COMMAND "${readelf}" -d "${lib}" OUTPUT_VARIABLE dyn ERROR_QUIET)
      if(NOT dyn MATCHES "\\(RUNPATH\\)")
        continue()
      endif()
      string(REGEX MATCHALL "Shared library: \\[[^]]+\\]" needed "${dyn}")
      foreach(n IN LISTS needed)
        string(REGEX REPLACE "Shared library: \\[(.*)\\]" "\\1" n "${n}")
        if(EXISTS "${d}/${n}")
          continue()
        endif()
        foreach(rd IN LISTS real_dirs)
          if(EXISTS "${rd}/${n}")
            list(APPEND preload "${rd}/${n}")
            break()
          endif()
        endforeach()
      endforeach()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES preload)

  set(rpath)
  foreach(d IN LISTS alt_dirs real_dirs)
    list(APPEND rpath "${root}${d}")
  endforeach()
  list(REMOVE_DUPLICATES rpath)
  list(JOIN rpath ":" rpath_str)
  list(JOIN preload " " preload_str)
  message(STATUS "chroot-free executables: interpreter ${root}${interp}, rpath ${rpath_str}, preloaded: ${preload_str}")
  set(flags "-Wl,--dynamic-linker=${root}${interp} -Wl,--disable-new-dtags -Wl,-rpath,${rpath_str}")
  if(preload)
    string(APPEND flags " -Wl,--push-state,--no-as-needed ${preload_str} -Wl,--pop-state")
  endif()
  set(${out_var} "${flags}" PARENT_SCOPE)
endfunction()
