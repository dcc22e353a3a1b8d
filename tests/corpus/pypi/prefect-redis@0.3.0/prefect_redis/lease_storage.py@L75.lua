
            -- KEYS[1] = lease_key
            -- KEYS[2] = expirations_key
            -- ARGV[1] = lease_id
            -- ARGV[2] = concurrency key prefix
            -- Read the lease in-script to avoid races and compute index keys
            local lease_json = redis.call('GET', KEYS[1])
            if lease_json then
              local ok, lease = pcall(cjson.decode, lease_json)
              if ok and lease then
                if lease['resource_ids'] then
                  for _, rid in ipairs(lease['resource_ids']) do
                    local holder_index_key = ARGV[2] .. 'limit:' .. tostring(rid) .. ':holders'
                    redis.call('HDEL', holder_index_key, ARGV[1])
                  end
                end
              end
            end
            -- Proceed with idempotent deletes regardless
            redis.call('DEL', KEYS[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return 1
            